/** Formats driver steps as one readable line each, for the demo and for debugging. */
import type { DriverStep, ReadRequest } from '@wirestate/core';

const printable = (b: number) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.');

/** `bytes(4)`, `until("\r\n")`, ... as the request was written. */
export function describeRead(read: ReadRequest | null): string {
  if (read === null) return '-';
  switch (read.kind) {
    case 'bytes':
      return `bytes(${read.n}${read.partial ? ', partial' : ''})`;
    case 'until':
      return `until(${read.delimiters.map((d) => JSON.stringify(String.fromCharCode(...d))).join(' | ')})`;
    case 'into':
      return `into(${read.buffer.length})`;
    case 'regex':
      return `regex(${read.re})`;
    case 'untilClose':
      return 'untilClose()';
    case 'streamBytes':
      return `streamBytes(${read.n})`;
    case 'streamUntilClose':
      return 'streamUntilClose()';
  }
}

/** One line: offset, state, read, event, the bytes consumed (hex and text), the state after. */
export function formatStep(step: DriverStep): string {
  const shown = step.consumed.subarray(0, 16);
  const hex = Array.from(shown, (b) => b.toString(16).padStart(2, '0')).join(' ');
  const txt = Array.from(shown, printable).join('');
  const more = step.consumed.length > shown.length ? ` (+${step.consumed.length - shown.length})` : '';
  return `@${String(step.offset).padStart(4)}  ${step.from.padEnd(8)} ${describeRead(step.read).padEnd(16)} ${step.event.type.padEnd(5)} [${hex}] "${txt}"${more}  -> ${step.to}`;
}
