/**
 * IP addresses between their wire form (4 or 16 bytes) and text: dotted
 * decimal for IPv4, and for IPv6 the canonical form of RFC 5952 (lower-case
 * hex, no leading zeros, the longest run of two or more zero groups as `::`,
 * the first such run on a tie, and an IPv4-mapped address as `::ffff:1.2.3.4`,
 * §5), the form Node.js reports for a peer's address.
 *
 * @module
 */
import { ErrorCode, WiremachineError } from '@wiremachine/core';

/** The IPv4 address in `b[at..at+4)` as dotted decimal. */
export function formatIPv4(b: Uint8Array, at = 0): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** The IPv6 address in `b[at..at+16)` in RFC 5952 canonical form. */
export function formatIPv6(b: Uint8Array, at = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[at + 2 * i] << 8) | b[at + 2 * i + 1]);
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0) {
    if (groups[5] === 0xffff) return `::ffff:${formatIPv4(b, at + 12)}`;
  }
  // The longest run of zero groups; RFC 5952 §4.2.2: never a single group.
  let bestAt = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestAt = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(':');
  if (bestAt < 0) return hex(groups);
  return `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLength))}`;
}

function invalid(kind: string, text: string): never {
  throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `not an ${kind} address: ${JSON.stringify(text)}`);
}

const DECIMAL = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;
const GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Write the dotted-decimal IPv4 address `text` at `out[at..at+4)`. Throws `WIREMACHINE_ERR_INVALID_ARGUMENT`. */
export function writeIPv4(out: Uint8Array, at: number, text: string): void {
  const parts = text.split('.');
  if (parts.length !== 4) invalid('IPv4', text);
  for (let i = 0; i < 4; i++) {
    if (!DECIMAL.test(parts[i])) invalid('IPv4', text);
    out[at + i] = Number(parts[i]);
  }
}

/**
 * Write the IPv6 address `text` (any RFC 4291 text form: `::` compression,
 * upper or lower case, a dotted IPv4 tail) at `out[at..at+16)`. Zone ids are
 * refused. Throws `WIREMACHINE_ERR_INVALID_ARGUMENT`.
 */
export function writeIPv6(out: Uint8Array, at: number, text: string): void {
  const halves = text.split('::');
  if (halves.length > 2) invalid('IPv6', text);
  const pieces = halves.map((h) => (h === '' ? [] : h.split(':')));
  const groups: number[][] = pieces.map((list, side) =>
    list.flatMap((piece, i) => {
      const last = side === pieces.length - 1 && i === list.length - 1;
      if (last && piece.includes('.')) {
        const v4 = new Uint8Array(4);
        writeIPv4(v4, 0, piece);
        return [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
      }
      if (!GROUP.test(piece)) invalid('IPv6', text);
      return [Number.parseInt(piece, 16)];
    }),
  );
  const count = groups[0].length + (groups[1]?.length ?? 0);
  if (halves.length === 1 ? count !== 8 : count > 7) invalid('IPv6', text);
  const all = halves.length === 1 ? groups[0] : [...groups[0], ...new Array(8 - count).fill(0), ...groups[1]];
  for (let i = 0; i < 8; i++) {
    out[at + 2 * i] = all[i] >> 8;
    out[at + 2 * i + 1] = all[i] & 0xff;
  }
}
