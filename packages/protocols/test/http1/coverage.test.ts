import { transitionCoverage } from '@wiremachine/core/testing';
import { describe, expect, test } from 'vitest';
import { createRequestMachine, createResponseMachine, type Http1Options } from '../../src/http1/index.js';

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
/** Each input whole and one byte at a time: some transitions only happen when a read waits. */
const fed = (inputs: string[]) =>
  inputs.flatMap((s) => {
    const b = bytes(s);
    return [b, Array.from(b, (_, i) => b.subarray(i, i + 1))];
  });
const big = 'x'.repeat(9000); // more than the 8 KiB under which a chunk is read whole
const H = 'Host: a\r\n';
const CHUNKED = 'Transfer-Encoding: chunked\r\n';

/** Transitions (by label) that none of `runs` took. */
function missed(runs: Array<[Http1Options, string[], 'request' | 'response']>): string[] {
  const taken = new Map<string, number>();
  for (const [options, inputs, kind] of runs) {
    const machine = kind === 'request' ? createRequestMachine(options) : createResponseMachine(options);
    for (const t of transitionCoverage(machine, fed(inputs)).transitions) {
      const label = `${t.state} --${t.event || '(always)'}#${t.index}--> ${t.target ?? '(self)'}`;
      taken.set(label, (taken.get(label) ?? 0) + t.hits);
    }
  }
  return [...taken].filter(([, hits]) => hits === 0).map(([label]) => label);
}

const requests = [
  `GET / HTTP/1.1\r\n${H}\r\nGET /2 HTTP/1.1\r\n${H}\r\n`,
  `\r\nGET / HTTP/1.1\r\n${H}\r\n`,
  `GET / HTTP/1.1\r\n${H}\r\n\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`,
  `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabc`,
  `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nab`,
  `POST / HTTP/1.1\r\n${H}${CHUNKED}\r\n3;a=b\r\nabc\r\n0\r\n\r\n`,
  `POST / HTTP/1.1\r\n${H}${CHUNKED}\r\n2328\r\n${big}\r\n2328\r\n${big}\r\n0\r\nT: 1\r\n\r\n`,
  `POST / HTTP/1.1\r\n${H}${CHUNKED}\r\n2328\r\n${big.slice(0, 100)}`,
  `POST / HTTP/1.1\r\n${H}${CHUNKED}\r\n2328\r\n${big}\r`,
  `POST / HTTP/1.1\r\n${H}${CHUNKED}\r\n2328\r\n${big}\rx`,
  `POST / HTTP/1.1\r\n${H}${CHUNKED}\r\n3\r\nabc\r\n0\r\nT: 1\r\n`,
  `POST / HTTP/1.1\r\n${H}${CHUNKED}\r\n3\r\nab`,
  `POST / HTTP/1.1\r\n${H}${CHUNKED}\r\n3`,
  `GET / HTTP/1.1\r\n${H}Connection: upgrade\r\nUpgrade: ws\r\n\r\nraw`,
  `POST / HTTP/1.1\r\n${H}Connection: upgrade\r\nUpgrade: ws\r\nContent-Length: 2\r\n\r\nhiraw`,
  'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\nraw',
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
  `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n\r\n`,
  `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\nGET`,
  'GET / HTTP/1.1\r\nHost',
  '',
];
const responses = [
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhi',
  'HTTP/1.1 200 OK\r\n\r\nto the close',
  'HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n',
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: ws\r\nConnection: upgrade\r\n\r\nraw',
  `HTTP/1.1 200 OK\r\n${CHUNKED}\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n`,
  `HTTP/1.1 200 OK\r\n${CHUNKED}\r\n2328\r\n${big}\r\n0\r\n\r\n`,
  `HTTP/1.1 200 OK\r\n${CHUNKED}\r\n2328\r\n${big.slice(0, 10)}`,
  `HTTP/1.1 200 OK\r\n${CHUNKED}\r\n3\r\nab`,
  `HTTP/1.1 200 OK\r\n${CHUNKED}\r\n3`,
  `HTTP/1.1 200 OK\r\n${CHUNKED}\r\n0\r\nT: 1\r\n`,
  'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n\r\n',
  'HTTP/1.1 200 OK\r\nContent-',
];

describe('transition coverage of the HTTP/1 machines', () => {
  test('requests and responses together take every declared transition', () => {
    expect(
      missed([
        [{}, requests, 'request'],
        [
          { lenient: ['TRANSFER_ENCODING'] },
          [`POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\nto the close`],
          'request',
        ],
        [{}, responses, 'response'],
        [
          { lenient: ['OPTIONAL_CRLF_AFTER_CHUNK'] },
          [
            `HTTP/1.1 200 OK\r\n${CHUNKED}\r\n2328\r\n${big}0\r\n\r\n`,
            `HTTP/1.1 200 OK\r\n${CHUNKED}\r\n2328\r\n${big}3\r\nabc\r\n0\r\n\r\n`,
            // Cut short after the data: only lenient machines read a chunk's end apart from its data.
            `HTTP/1.1 200 OK\r\n${CHUNKED}\r\n2328\r\n${big}`,
          ],
          'response',
        ],
        [{ chunkHeaders: true }, [`HTTP/1.1 200 OK\r\n${CHUNKED}\r\n2328;e=1\r\n${big}\r\n0\r\n\r\n`], 'response'],
        // Blank lines before a head read without a map (lenient LF after CR): route's last transition, back to head.
        [
          { lenient: ['OPTIONAL_LF_AFTER_CR'] },
          [`\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`, `POST / HTTP/1.1\r\n${H}${CHUNKED}\r\n3\r\nabc\r\n0\r\n\r\n`],
          'request',
        ],
      ]),
    ).toEqual([]);
  });
});
