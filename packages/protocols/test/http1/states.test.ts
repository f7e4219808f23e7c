/** State names: the list errors are typed with is the machines' own, and an input cut short names the state it was cut in. */
import {
  createRequestMachine,
  createResponseMachine,
  HTTP1_STATES,
  type Http1Options,
} from '@wiremachine/protocols/http1';
import { describe, expect, it } from 'vitest';
import { codeOf, request } from './parse.js';

const stateOf = (r: ReturnType<typeof request>) => (r.error as { state?: string } | null)?.state;

describe('HTTP/1 state names', () => {
  it('HTTP1_STATES is the union of the states of the request and response machines, strict and lenient', () => {
    const variants: Http1Options[] = [
      {},
      { lenient: ['OPTIONAL_CRLF_AFTER_CHUNK'] },
      { lenient: ['OPTIONAL_CR_BEFORE_LF'] },
    ];
    const names = new Set<string>();
    for (const o of variants) {
      for (const m of [createRequestMachine(o), createResponseMachine(o)]) {
        for (const name of Object.keys(m.root.states)) names.add(name);
      }
    }
    expect([...names].sort()).toEqual([...HTTP1_STATES].sort());
  });

  it.each([
    ['fixed', 'POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel', {}],
    ['chunkSize', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5', {}],
    ['chunkSmall', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', {}],
    [
      'chunkData',
      'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel',
      { lenient: ['OPTIONAL_CRLF_AFTER_CHUNK'] },
    ],
    [
      'chunkEnd',
      'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello',
      { lenient: ['OPTIONAL_CRLF_AFTER_CHUNK'] },
    ],
    ['trailers', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1', {}],
  ] as const)('a body cut short in %s is INCOMPLETE in that state, in any slicing', (state, input, options) => {
    const r = request(input, options as Http1Options, true);
    expect(codeOf(r)).toBe('WIREMACHINE_ERR_HTTP_INCOMPLETE');
    expect(stateOf(r)).toBe(state);
    expect(HTTP1_STATES).toContain(stateOf(r));
  });
});
