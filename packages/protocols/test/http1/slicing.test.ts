/**
 * One input, one error code, however its bytes arrive: the whole input, every
 * split in two, and one byte at a time must be refused with the same code (or
 * all accepted). Requests and responses with framing and connection fields,
 * obs-folds and stray whitespace, then mutated, under strict and lenient options.
 */
import { mutated } from '@wiremachine/core/testing';
import {
  createRequestMachine,
  createResponseMachine,
  Http1ErrorCode as E,
  type Http1Machine,
  type Http1Options,
} from '@wiremachine/protocols/http1';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytes, type Run, run, slices } from './collect.js';

const field = fc.constantFrom(
  'Host: x',
  'Content-Length: 5',
  'Content-Length: ',
  'Content-Length: 5 ',
  'Content-Length: x',
  'Content-Length:',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: gzip, chunked',
  'Transfer-Encoding: chunked, chunked',
  'Transfer-Encoding:',
  'Connection: close',
  'Connection: upgrade',
  'Upgrade: websocket',
  'Expect: 100-continue',
  ' folded',
  '\tfolded',
  ' ',
  'X-A: b',
  'X-A : b',
  'X-A: b\rc',
  `X-Long: ${'a'.repeat(40)}`,
);

const body = fc.constantFrom('', 'hello', '5\r\nhello\r\n0\r\n\r\n', '0\r\n\r\n', '5\r\nhel', 'x');

const head = (start: string) =>
  fc
    .tuple(fc.array(field, { maxLength: 4 }), body, fc.constantFrom('\r\n', '\n'))
    .map(([lines, b, eol]) => bytes(`${start}\r\n${lines.map((l) => l + eol).join('')}\r\n${b}`));

const requests = head('POST /a HTTP/1.1');
const responses = head('HTTP/1.1 200 OK');

const code = (r: Run) => (r.error === null ? null : (r.error as { code: string }).code);

/**
 * The code for `input` whole, then every 2-way split and 1-byte pieces: each must be the same. Without the
 * end of input, a head still waiting for its end is checked as its bytes grow (fourfold, to stay linear),
 * so a fault may be found in one slicing and not yet in another: then only codes found must agree.
 */
function sameCode(machine: Http1Machine, input: Uint8Array, end: boolean): void {
  const want = code(run(machine, [input], end));
  const same = (got: string | null, why: string) => {
    if (end || (got !== null && want !== null)) expect(got, why).toBe(want);
  };
  const shown = JSON.stringify(Buffer.from(input).toString('latin1'));
  for (let k = 1; k < input.length; k++) {
    same(code(run(machine, [input.subarray(0, k), input.subarray(k)], end)), `split at ${k}: ${shown}`);
  }
  same(code(run(machine, slices(input, 1), end)), `one byte at a time: ${shown}`);
}

const OPTIONS: [string, Http1Options][] = [
  ['strict', {}],
  ['lenient headers', { lenient: ['HEADERS'] }],
  ['lenient line endings', { lenient: ['OPTIONAL_CR_BEFORE_LF'] }],
  ['small limits', { maxHeadSize: 64, maxHeaders: 3, maxChunkExtensionsSize: 8, maxBodySize: 8 }],
];

describe.each(OPTIONS)('error codes do not depend on slicing (%s)', (_name, options) => {
  const machines = { request: createRequestMachine(options), response: createResponseMachine(options) };
  const inputs = { request: requests, response: responses };
  it.each(['request', 'response'] as const)('%ss, generated and mutated', (kind) => {
    fc.assert(
      fc.property(
        fc.oneof({ arbitrary: inputs[kind], weight: 3 }, mutated(inputs[kind])),
        fc.boolean(),
        (input, end) => {
          sameCode(machines[kind], input, end);
        },
      ),
      { seed: 41, numRuns: 300 },
    );
  });
});

it('a Content-Length with no value, then an obs-fold, is OBS_FOLD in any slicing', () => {
  const m = createRequestMachine();
  const input = bytes('GET / HTTP/1.1\r\nContent-Length: \r\n 5\r\n\r\n');
  expect(code(run(m, [input]))).toBe(E.OBS_FOLD);
  sameCode(m, input, false);
  sameCode(m, input, true);
});

it('with lenient HEADERS, a Content-Length folded onto its next line is read alike whole and cut after its first line', () => {
  const m = createRequestMachine({ lenient: ['HEADERS'] });
  const input = bytes('GET / HTTP/1.1\r\nContent-Length: \r\n 5\r\n\r\nhello');
  const whole = run(m, [input]);
  expect(code(whole)).toBeNull();
  expect(whole.messages[0].body).toBe('hello');
  expect(code(run(m, [input.subarray(0, 34), input.subarray(34)]))).toBeNull();
  sameCode(m, input, true);
});

it('a fault inside maxHeadSize is named before the limit, whole or in pieces', () => {
  const m = createRequestMachine({ maxHeadSize: 120 });
  // A bare LF at byte 102, then no end of the head within 120 bytes.
  const input = bytes(`POST /a HTTP/1.1\r\nX-Long: ${'a'.repeat(76)}\n\r\n${'b'.repeat(40)}`);
  expect(code(run(m, [input]))).toBe(E.BARE_LF);
  expect(code(run(m, [input.subarray(0, 31), input.subarray(31)]))).toBe(E.BARE_LF);
  sameCode(m, input, false);
  sameCode(m, input, true);
});

it('a fault past maxHeadSize leaves the limit to be named, whole or in pieces', () => {
  const m = createRequestMachine({ maxHeadSize: 40 });
  const input = bytes(`POST /a HTTP/1.1\r\nX-Long: ${'a'.repeat(40)}\n\r\n`);
  expect(code(run(m, [input]))).toBe('WIREMACHINE_ERR_MAX_BYTES');
  sameCode(m, input, false);
  sameCode(m, input, true);
});
