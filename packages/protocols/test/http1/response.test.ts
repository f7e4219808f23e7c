/** Responses (RFC 9112 §4, §6.3): status lines, bodies that depend on the status and on the request. */
import { Http1ErrorCode as E } from '@wiremachine/protocols/http1';
import { describe, expect, it } from 'vitest';
import { text } from './collect.js';
import { codeOf, response } from './parse.js';

describe('responses', () => {
  it('reads the status line, with and without a reason phrase', () => {
    const r = response(
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 204\r\n\r\nHTTP/1.0 404 \r\nContent-Length: 0\r\n\r\n',
    );
    expect(r.messages.map((m) => [m.status, m.reason, m.version, m.body, m.complete])).toEqual([
      [200, 'OK', '1.1', 'hi', true],
      [204, null, '1.1', '', true],
      [404, '', '1.0', '', true],
    ]);
  });

  it('reads a body without length until the connection closes (RFC 9112 §6.3 rule 8)', () => {
    const open = response('HTTP/1.1 200 OK\r\n\r\nsome data');
    expect([open.messages[0].body, open.messages[0].complete]).toEqual(['some data', false]);
    const closed = response('HTTP/1.1 200 OK\r\n\r\nsome data', {}, true);
    expect([closed.messages[0].complete, closed.error, closed.status]).toEqual([true, null, 'done']);
  });

  it('reads to close when the coding is not chunked', () => {
    const r = response('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc', {}, true);
    expect([r.messages[0].body, r.messages[0].complete]).toEqual(['abc', true]);
  });

  it('gives no body to 1xx, 204 and 304, whatever their fields say', () => {
    const r = response(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n' +
        'HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx',
    );
    expect(r.messages.map((m) => [m.status, m.body, m.complete])).toEqual([
      [100, '', true],
      [304, '', true],
      [204, '', true],
      [200, 'x', true],
    ]);
  });

  it('gives each chunked response only its own trailers; found by the differential test against llhttp', () => {
    const r = response(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Sum: 1\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    expect(r.messages.map((m) => m.trailers)).toEqual([[['X-Sum', '1']], []]);
  });

  it('skips the body of responses to HEAD, per message', () => {
    // A client decides from its queue of requests; here the head says which request it answers.
    const r = response(
      'HTTP/1.1 200 OK\r\nX-Req: HEAD\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
      {
        skipBody: (head) => head.fields.get('x-req') === 'HEAD',
      },
    );
    expect(r.messages.map((m) => m.body)).toEqual(['', 'hello']);
  });

  it('hands over after 101 Switching Protocols, without reading a body', () => {
    const r = response(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: upgrade\r\nContent-Length: 3\r\n\r\nh2!',
    );
    expect(r.upgraded).toBe(true);
    expect(text(r.remaining as Uint8Array)).toBe('h2!');
  });

  it('does not upgrade on a 200 that names Upgrade', () => {
    const r = response('HTTP/1.1 200 OK\r\nUpgrade: h2c\r\nConnection: upgrade\r\nContent-Length: 2\r\n\r\nok');
    expect([r.upgraded, r.messages[0].body]).toEqual([false, 'ok']);
  });

  it.each([
    ['a two-digit status', 'HTTP/1.1 20 OK\r\n\r\n', E.INVALID_STATUS],
    ['two spaces before the status', 'HTTP/1.1  200 OK\r\n\r\n', E.INVALID_STATUS],
    ['a tab after the version', 'HTTP/1.1\t200 OK\r\n\r\n', E.INVALID_VERSION],
    ['a CTL in the reason phrase', 'HTTP/1.1 200 O\x01K\r\n\r\n', E.INVALID_STATUS],
    ['a bad protocol', 'HTPT/1.1 200 OK\r\n\r\n', E.INVALID_CONSTANT],
  ])('rejects %s', (_name, input, code) => {
    expect(codeOf(response(input))).toBe(code);
  });

  it('accepts llhttp lenient flags by name (OPTIONAL_CR_BEFORE_LF)', () => {
    const input = 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok';
    expect(codeOf(response(input, {}, true))).toBe(E.BARE_LF);
    expect(response(input, { lenient: { OPTIONAL_CR_BEFORE_LF: true } }).messages[0].body).toBe('ok');
  });
});
