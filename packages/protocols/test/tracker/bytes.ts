/** Building datagrams by hand, from the layouts of BEP 15 and BEP 41, and the shape of a test vector. */
import { concatBytes } from '@wiremachine/core';

/** Hex digits to bytes; spaces are ignored. */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(digits)) throw new Error(`bad hex: ${text}`);
  return Uint8Array.from(digits.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

/** Each char one byte. */
export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Parts joined: strings are hex, arrays are bytes. */
export function cat(...parts: Array<string | Uint8Array>): Uint8Array {
  return concatBytes(parts.map((p) => (typeof p === 'string' ? hex(p) : p)));
}

/** A datagram and the one packet it gives, or the error it ends in. */
export interface Vector {
  name: string;
  machine: 'request' | 'ipv4' | 'ipv6';
  input: Uint8Array;
  expect: { packet: object } | { code: string; offset: number; state: string };
  /** What serializing the packet gives, when it is not `input` (padding and extra bytes are not kept). */
  serializesTo?: Uint8Array;
}

/** The expected error of a vector. */
export const fault = (code: string, offset: number, state: string) => ({ code, offset, state });
