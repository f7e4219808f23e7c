import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { BIN, wiremachine } from './run.js';

describe('built-in HTTP/1 protocols', () => {
  test('http1-request: whole messages, headers and trailers as ordered pairs, the body one char per byte', () => {
    const r = wiremachine(
      ['parse', 'http1-request', '--chunk-size', '7'],
      'POST /up?x=1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n\xff\x00\r\n0\r\nX-Sum: 1\r\n\r\nGET / HTTP/1.0\r\n\r\n',
    );
    expect(r.status).toBe(0);
    expect(r.out).toEqual([
      {
        kind: 'request',
        method: 'POST',
        target: '/up?x=1',
        version: '1.1',
        headers: [
          ['Host', 'a'],
          ['Transfer-Encoding', 'chunked'],
        ],
        trailers: [['X-Sum', '1']],
        body: '\u00ff\u0000',
      },
      { kind: 'request', method: 'GET', target: '/', version: '1.0', headers: [], trailers: [], body: '' },
    ]);
  });

  test('http1-response with --no-body (a response to HEAD) and the upgrade line', () => {
    const head = wiremachine(['parse', 'http1-response', '--no-body'], 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n');
    expect(head.out).toEqual([
      {
        kind: 'response',
        status: 200,
        reason: 'OK',
        version: '1.1',
        headers: [['Content-Length', '5']],
        trailers: [],
        body: '',
      },
    ]);
    const up = wiremachine(
      ['parse', 'http1-response'],
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: ws\r\nConnection: upgrade\r\n\r\n\x81\x00',
    );
    expect(up.out.at(-1)).toEqual({ type: 'upgrade', offset: 70 });
  });

  test('--lenient takes llhttp flag names', () => {
    const input = 'GET / HTTP/1.1\nHost: a\n\n';
    expect(wiremachine(['parse', 'http1-request'], input).out.at(-1)).toMatchObject({
      type: 'error',
      code: 'WIREMACHINE_ERR_HTTP_BARE_LF',
    });
    const lenient = wiremachine(['parse', 'http1-request', '--lenient', 'OPTIONAL_CR_BEFORE_LF'], input);
    expect(lenient.status).toBe(0);
    expect(lenient.out[0]).toMatchObject({ kind: 'request', method: 'GET', headers: [['Host', 'a']] });
  });

  test('chunked: a bare chunked body, with offsets into the input', () => {
    const ok = wiremachine(['parse', 'chunked'], '5\r\nhello\r\n0\r\n\r\n');
    expect(ok.out).toEqual([{ kind: 'chunked', trailers: [], body: 'hello' }]);
    const bad = wiremachine(['parse', 'chunked'], '5\r\nhellox\r\n');
    expect(bad.status).toBe(1);
    expect(bad.out).toEqual([
      {
        type: 'error',
        code: 'WIREMACHINE_ERR_HTTP_INVALID_CHUNK_END',
        offset: 8,
        state: 'chunkEnd',
        message: 'chunk data not followed by CRLF',
      },
    ]);
  });
});

describe('built-in tracker packets', () => {
  test('tracker-request and tracker-response parse one datagram each', () => {
    const connect = Uint8Array.of(0, 0, 4, 0x17, 0x27, 0x10, 0x19, 0x80, 0, 0, 0, 0, 0, 0, 0, 7);
    expect(wiremachine(['parse', 'tracker-request'], connect).out).toEqual([{ type: 'connect', transactionId: 7 }]);
    const reply = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8);
    expect(wiremachine(['parse', 'tracker-response'], reply).out).toEqual([
      { type: 'connect', transactionId: 7, connectionId: '72623859790382856' },
    ]);
    const truncated = wiremachine(['parse', 'tracker-request'], connect.subarray(0, 10));
    expect(truncated.status).toBe(1);
    expect(truncated.out[0]).toMatchObject({ type: 'error', code: 'WIREMACHINE_ERR_TRACKER_TRUNCATED' });
  });

  test('every built-in protocol draws, and fuzzes for a few runs without a crash', () => {
    for (const name of [
      'http1-request',
      'http1-response',
      'chunked',
      'tracker-request',
      'tracker-response',
      'tracker-response-ipv6',
    ]) {
      const d = spawnSync(process.execPath, [BIN, 'diagram', name], { encoding: 'utf8' });
      expect(d.status, name).toBe(0);
      expect(d.stdout, name).toMatch(/^stateDiagram-v2\n {2}\[\*\] --> /);
    }
    const f = spawnSync(process.execPath, [BIN, 'fuzz', 'http1-request', '--runs', '500'], { encoding: 'utf8' });
    expect(f.status).toBe(0);
    expect(f.stdout).toMatch(/^http1-request: 500 inputs .* crashes 0/);
  });
});
