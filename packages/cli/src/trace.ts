/** One line per driver step, for `wiremachine trace`. */
import { type DriverStep, describeRead } from '@wiremachine/core';

const printable = (b: number) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.');

/** offset, state, read, event, the bytes consumed (hex and text, first 32), and the state after. */
export function formatStep(step: DriverStep): string {
  const shown = step.consumed.subarray(0, 32);
  const hex = Array.from(shown, (b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = Array.from(shown, printable).join('');
  const more = step.consumed.length > shown.length ? ` (+${step.consumed.length - shown.length} bytes)` : '';
  return `# @${step.offset} ${step.from} ${describeRead(step.read)} ${step.event.type} ${step.length}B [${hex}] "${text}"${more} -> ${step.to}`;
}
