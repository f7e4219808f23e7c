/** Formats driver steps as one readable line each, for the demo and for debugging. */
import { type DriverStep, describeRead } from '@wiremachine/core';

const printable = (b: number) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.');

/** One line: offset, state, read, event, the bytes consumed (hex and text), the state after. */
export function formatStep(step: DriverStep): string {
  const shown = step.consumed.subarray(0, 16);
  const hex = Array.from(shown, (b) => b.toString(16).padStart(2, '0')).join(' ');
  const txt = Array.from(shown, printable).join('');
  const more = step.consumed.length > shown.length ? ` (+${step.consumed.length - shown.length})` : '';
  return `@${String(step.offset).padStart(4)}  ${step.from.padEnd(8)} ${describeRead(step.read).padEnd(26)} ${step.event.type.padEnd(5)} [${hex}] "${txt}"${more}  -> ${step.to}`;
}
