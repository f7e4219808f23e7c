/**
 * A parser's stream offset passes 2^31 on a long connection. Its state keeps
 * its shape when that happens: a field that held small integers until then
 * would change representation, which changes the shape of every parser's
 * state and throws away the optimized code of every function that reads one,
 * for every connection in the process at once.
 */
import { setFlagsFromString } from 'node:v8';
import { createDriver } from '@wiremachine/core';
import { createRequestMachine, type Http1Context } from '@wiremachine/protocols/http1';
import { expect, it } from 'vitest';
import { bytes } from './collect.js';

setFlagsFromString('--allow-natives-syntax');
/** Whether `a` and `b` have the same hidden class (V8's map). */
const sameShape = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

const MIB = 1 << 20;

it('keeps the shape of the parser state and its scanner past 2^31 bytes of a connection', () => {
  const parser = (d: { context: unknown }) => (d.context as Http1Context).parser;
  const fresh = parser(createDriver(createRequestMachine()));
  const long = createDriver(createRequestMachine());
  const head = bytes(`PUT /blob HTTP/1.1\r\nHost: example.com\r\nContent-Length: ${MIB}\r\n\r\n`);
  const body = new Uint8Array(MIB);
  while (long.offset < 2 ** 31) {
    long.feed(head);
    long.feed(body);
  }
  // A head long enough to be scanned by words, and one whose end the scanner measures in its chunk.
  long.feed(bytes(`GET /after HTTP/1.1\r\nHost: example.com\r\nUser-Agent: ${'x'.repeat(150)}\r\n\r\n`));
  expect(long.status).toBe('running');
  expect(long.offset).toBeGreaterThan(2 ** 31);
  expect(sameShape(fresh, parser(long))).toBe(true);
  expect(sameShape(fresh.scanner, parser(long).scanner)).toBe(true);
  // The text window of the heads' strings holds the stream offset of its chunk.
  const window = (p: object) => (p as unknown as { text: object }).text;
  expect(sameShape(window(fresh), window(parser(long)))).toBe(true);
});
