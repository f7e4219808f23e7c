/** Parse helpers for the RFC tests: every input is checked whole, one byte at a time and in seeded cuts. */
import {
  createRequestMachine,
  createResponseMachine,
  type Http1Machine,
  type Http1Options,
} from '@wiremachine/protocols/http1';
import { expect } from 'vitest';
import { bytes, prng, type Run, run, slices } from './collect.js';

function summary(r: Run) {
  return JSON.stringify({
    messages: r.messages,
    error: r.error === null ? null : [r.error.code, (r.error as { offset?: number }).offset],
    upgraded: r.upgraded,
    status: r.status,
    remaining: r.remaining === null ? null : Array.from(r.remaining),
  });
}

function cuts(input: Uint8Array, seed: number): Uint8Array[] {
  const rand = prng(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < input.length; ) {
    const n = 1 + Math.floor(rand() * 9);
    out.push(input.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** Run `input` whole, then check that 1-byte and seeded random pieces give the same result. */
export function parseWith(machine: Http1Machine, input: string | Uint8Array, end = false): Run {
  const b = typeof input === 'string' ? bytes(input) : input;
  const whole = run(machine, [b], end);
  const want = summary(whole);
  expect(summary(run(machine, slices(b, 1), end))).toBe(want);
  for (const seed of [1, 2, 3]) expect(summary(run(machine, cuts(b, seed), end))).toBe(want);
  return whole;
}

const cache = new Map<string, Http1Machine>();
function cached(kind: string, options: Http1Options, make: (o: Http1Options) => Http1Machine): Http1Machine {
  if (typeof options.skipBody === 'function') return make(options);
  const key = kind + JSON.stringify(options);
  let m = cache.get(key);
  if (m === undefined) {
    m = make(options);
    cache.set(key, m);
  }
  return m;
}

export const request = (input: string | Uint8Array, options: Http1Options = {}, end = false) =>
  parseWith(cached('req', options, createRequestMachine), input, end);
export const response = (input: string | Uint8Array, options: Http1Options = {}, end = false) =>
  parseWith(cached('res', options, createResponseMachine), input, end);

/** The error code of a run (fails the test when there is none). */
export function codeOf(r: Run): string {
  expect(r.error, 'expected the input to be rejected').not.toBeNull();
  return (r.error as { code: string }).code;
}
