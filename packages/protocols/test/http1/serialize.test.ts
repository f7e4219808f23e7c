/** The serializer, and the laws: round trip, chunk invariance, typed rejection, executor agreement. */
import {
  checkLaw,
  chunkInvariance,
  executorsAgree,
  mutated,
  roundTrip,
  typedRejection,
} from '@wiremachine/core/testing';
import {
  createRequestMachine,
  createResponseMachine,
  framedHeaders,
  type Http1Output,
  type RequestMessage,
  type ResponseMessage,
  serializeRequest,
  serializeResponse,
} from '@wiremachine/protocols/http1';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collect, text } from './collect.js';

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
const value = fc.stringMatching(/^([!-~\x80-\xff]([ \t!-~\x80-\xff]{0,20}[!-~\x80-\xff])?)?$/);
const bytesStr = fc.string({
  unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const headers = fc.array(fc.tuple(token, value), { maxLength: 6 }).map((hs) =>
  // Framing and connection fields are chosen by the body, not at random.
  hs.filter(
    ([n]) => !['content-length', 'transfer-encoding', 'connection', 'upgrade', 'expect'].includes(n.toLowerCase()),
  ),
);
const body = fc.oneof(
  fc.record({ body: bytesStr }),
  fc.record({
    chunks: fc.array(bytesStr, { maxLength: 4 }),
    trailers: fc.array(fc.tuple(token, value), { maxLength: 2 }),
  }),
  fc.constant({}),
);
const requests: fc.Arbitrary<RequestMessage> = fc
  .tuple(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'), fc.stringMatching(/^\/[!-~]{0,20}$/), headers, body)
  .map(([method, url, hs, b]) => ({ method, url, headers: hs, ...b }));
const responses: fc.Arbitrary<ResponseMessage> = fc
  .tuple(fc.constantFrom(200, 201, 404, 500), value, headers, body)
  .map(([status, reason, hs, b]) => ({
    status,
    reason,
    headers: hs,
    ...('body' in b || 'chunks' in b ? b : { body: '' }),
  }));

/** What parsing a serialized message must give back. */
function expected(m: RequestMessage | ResponseMessage) {
  const start = 'method' in m ? { method: m.method, url: m.url } : { status: m.status, reason: m.reason ?? '' };
  const chunks = (m.chunks ?? []).map((c) => (typeof c === 'string' ? c : text(c))).filter((c) => c.length > 0);
  const trailers = (m.trailers ?? []).map(([n, v]) => [n, v]);
  return [
    {
      version: '1.1',
      headers: framedHeaders(m),
      body: typeof m.body === 'string' ? m.body : chunks.join(''),
      chunks: [],
      trailers: m.chunks === undefined ? [] : trailers,
      complete: true,
      ...start,
    },
  ];
}

const normalize = (outputs: unknown[]) =>
  collect(outputs as Http1Output[]).map((m) => {
    const { method, url, status, reason, ...rest } = m;
    return { ...rest, ...(method === undefined ? { status, reason } : { method, url }) };
  });
const key = (ms: unknown) => JSON.parse(JSON.stringify(ms));
const params = { seed: 42, numRuns: 150 };

describe('serializer', () => {
  it('writes a chunked request with trailers', () => {
    const out = serializeRequest({
      method: 'POST',
      url: '/up',
      headers: [['Host', 'a']],
      chunks: ['hel', '', 'lo'],
      trailers: [['X-Sum', '1']],
    });
    expect(text(out)).toBe(
      'POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\nX-Sum: 1\r\n\r\n',
    );
  });

  it('writes a response with Content-Length', () => {
    expect(text(serializeResponse({ status: 200, reason: 'OK', body: 'hi' }))).toBe(
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
    );
  });

  it.each([
    ['a CRLF in a value', () => serializeRequest({ method: 'GET', url: '/', headers: [['A', 'b\r\nEvil: 1']] })],
    ['a bad field name', () => serializeRequest({ method: 'GET', url: '/', headers: [['A B', 'c']] })],
    ['a space in the target', () => serializeRequest({ method: 'GET', url: '/a b' })],
    ['a bad method', () => serializeRequest({ method: 'G T', url: '/' })],
    ['a status of 4 digits', () => serializeResponse({ status: 1000 })],
    ['trailers without chunks', () => serializeResponse({ status: 200, body: '', trailers: [['A', 'b']] })],
  ])('refuses %s', (_name, write) => {
    expect(write).toThrow(expect.objectContaining({ code: 'WIREMACHINE_ERR_INVALID_ARGUMENT' }));
  });

  it('round trip: parsing a serialized request gives it back, in any chunking', () => {
    const law = roundTrip(createRequestMachine(), requests, serializeRequest, {
      normalize: (o) => key(normalize(o)),
      expected: (m) => key(expected(m)),
    });
    checkLaw(law, params);
  });

  it('round trip: parsing a serialized response gives it back, in any chunking', () => {
    const law = roundTrip(createResponseMachine(), responses, serializeResponse, {
      normalize: (o) => key(normalize(o)),
      expected: (m) => key(expected(m)),
    });
    checkLaw(law, params);
  });
});

describe('laws over valid and mutated requests', () => {
  const valid = requests.map(serializeRequest);
  const inputs = fc.oneof(valid, mutated(valid));
  const normalizeRun = (o: unknown[]) => key(normalize(o));

  it('chunk invariance: the same messages and error whatever the chunking', () => {
    checkLaw(chunkInvariance(createRequestMachine(), inputs, { normalize: normalizeRun }), params);
  });

  it('typed rejection: bad input only ever ends in a wiremachine error', () => {
    checkLaw(typedRejection(createRequestMachine(), inputs), params);
  });

  it('the compiled and xstate executors agree', () => {
    checkLaw(executorsAgree(createRequestMachine(), inputs, { normalize: normalizeRun }), { seed: 7, numRuns: 60 });
  });
});
