/** Request-smuggling shapes (RFC 9112 §6.3, §11.2) and limits: each must be refused, never guessed at. */
import { ErrorCode } from '@wiremachine/core';
import { Http1ErrorCode as E, toHttp1Error } from '@wiremachine/protocols/http1';
import { describe, expect, it } from 'vitest';
import { codeOf, request } from './parse.js';

const POST = 'POST / HTTP/1.1\r\nHost: a\r\n';

describe('request smuggling shapes', () => {
  it('CL.TE and TE.CL: Content-Length with Transfer-Encoding is refused, in either order', () => {
    expect(codeOf(request(`${POST}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG`))).toBe(
      E.INVALID_TRANSFER_ENCODING,
    );
    expect(codeOf(request(`${POST}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGPOST`))).toBe(
      E.INVALID_TRANSFER_ENCODING,
    );
  });

  it('duplicate Content-Length is refused, equal or not', () => {
    expect(codeOf(request(`${POST}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc`))).toBe(
      E.DUPLICATE_CONTENT_LENGTH,
    );
    expect(codeOf(request(`${POST}Content-Length: 3\r\nContent-Length: 30\r\n\r\nabc`))).toBe(
      E.DUPLICATE_CONTENT_LENGTH,
    );
  });

  it.each([['+3'], ['-1'], ['3 3'], ['0x10'], ['3,3'], ['']])('Content-Length %j is refused', (value) => {
    expect(codeOf(request(`${POST}Content-Length: ${value}\r\n\r\nabc`))).toBe(E.INVALID_CONTENT_LENGTH);
  });

  it('a Content-Length beyond a safe integer is refused', () => {
    expect(codeOf(request(`${POST}Content-Length: 99999999999999999999\r\n\r\n`))).toBe(E.INVALID_CONTENT_LENGTH);
  });

  it('folded Transfer-Encoding is refused (obs-fold), and lenient folding cannot make it chunked', () => {
    const input = `${POST}Transfer-Encoding: x\r\n chunked\r\n\r\n0\r\n\r\n`;
    expect(codeOf(request(input))).toBe(E.OBS_FOLD);
    expect(codeOf(request(input, { lenient: ['HEADERS'] }))).toBe(E.INVALID_TRANSFER_ENCODING);
  });

  it('a Transfer-Encoding with whitespace before the colon is refused', () => {
    expect(codeOf(request(`${POST}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n`))).toBe(E.INVALID_HEADER_TOKEN);
  });

  it('"chunked" that is not the final coding, or is misspelt, is refused in requests', () => {
    expect(codeOf(request(`${POST}Transfer-Encoding: chunked, identity\r\n\r\n`))).toBe(E.INVALID_TRANSFER_ENCODING);
    expect(codeOf(request(`${POST}Transfer-Encoding: xchunked\r\n\r\n`))).toBe(E.INVALID_TRANSFER_ENCODING);
  });

  it('a coding after chunked is refused in an upgrade request too; found by the differential test against llhttp', () => {
    const upgrade = 'Connection: upgrade\r\nUpgrade: x\r\n\r\nnext protocol';
    expect(codeOf(request(`${POST}Transfer-Encoding: chunked, gzip\r\n${upgrade}`))).toBe(E.INVALID_TRANSFER_ENCODING);
    expect(codeOf(request(`${POST}Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n${upgrade}`))).toBe(
      E.INVALID_TRANSFER_ENCODING,
    );
    // Without chunked there is no body to frame: the upgrade goes ahead, as in llhttp.
    expect(request(`${POST}Transfer-Encoding: gzip\r\n${upgrade}`).upgraded).toBe(true);
  });

  it('chunked applied twice is refused (RFC 9112 §6.1); found by the differential test against llhttp', () => {
    expect(codeOf(request(`${POST}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`))).toBe(
      E.INVALID_TRANSFER_ENCODING,
    );
    expect(codeOf(request(`${POST}Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n`))).toBe(
      E.INVALID_TRANSFER_ENCODING,
    );
  });

  it('a chunk size that overflows is refused before it is trusted', () => {
    expect(codeOf(request(`${POST}Transfer-Encoding: chunked\r\n\r\nfffffffffffffff1\r\n`))).toBe(
      E.CHUNK_SIZE_OVERFLOW,
    );
    expect(codeOf(request(`${POST}Transfer-Encoding: chunked\r\n\r\n100000000000000000000002\r\nab`))).toBe(
      E.CHUNK_SIZE_OVERFLOW,
    );
  });

  it('bare LF is refused in the head, in chunk-size lines and after chunk data', () => {
    expect(codeOf(request(`${POST}Transfer-Encoding: chunked\n\r\n0\r\n\r\n`))).toBe(E.BARE_LF);
    expect(codeOf(request(`${POST}Transfer-Encoding: chunked\r\n\r\n2\naa\r\n0\r\n\r\n`))).toBe(E.BARE_LF);
    // Refused when the LF arrives, not left waiting for a CRLF that may never come (node:http answers 400).
    expect(codeOf(request(`${POST}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\n\n`))).toBe(E.BARE_LF);
    expect(codeOf(request(`${POST}Transfer-Encoding: chunked\r\n\r\n0\r\nX: 1\n\r\n`))).toBe(E.BARE_LF);
    expect(codeOf(request(`${POST}Transfer-Encoding: chunked\r\n\r\n0\r\n\n`))).toBe(E.BARE_LF);
    expect(codeOf(request(`${POST}Transfer-Encoding: chunked\r\n\r\n2\r\naa\n0\r\n\r\n`))).toBe(E.INVALID_CHUNK_END);
  });

  it('a bare CR that would end a line for one reader and not another is refused', () => {
    expect(codeOf(request('GET / HTTP/1.1\r\nHost: a\r\n\rGET /evil HTTP/1.1\r\n\r\n'))).toBe(E.BARE_CR);
  });

  it('unbounded chunk extensions stop at 16 KiB a message', () => {
    const ext = `;a=${'b'.repeat(1000)}`;
    const chunks = `1${ext}\r\nx\r\n`.repeat(17);
    const r = request(`${POST}Transfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`);
    expect(codeOf(r)).toBe(E.CHUNK_EXTENSIONS_OVERFLOW);
    expect(toHttp1Error(r.error as never).status).toBe(413);
    // One line longer than the limit fails in the read itself, and maps to the same code.
    const long = request(`${POST}Transfer-Encoding: chunked\r\n\r\n1;a=${'b'.repeat(20000)}\r\nx\r\n`);
    expect(codeOf(long)).toBe(ErrorCode.MAX_BYTES);
    expect(toHttp1Error(long.error as never).code).toBe(E.CHUNK_EXTENSIONS_OVERFLOW);
  });
});

describe('limits', () => {
  it('too many header fields: HEADERS_TOO_MANY, status 431', () => {
    const fields = 'X: y\r\n'.repeat(11);
    const r = request(`GET / HTTP/1.1\r\n${fields}\r\n`, { maxHeaders: 10 });
    expect(codeOf(r)).toBe(E.HEADERS_TOO_MANY);
    expect(toHttp1Error(r.error as never).status).toBe(431);
    expect(request(`GET / HTTP/1.1\r\n${'X: y\r\n'.repeat(10)}\r\n`, { maxHeaders: 10 }).error).toBeNull();
  });

  it('a head over maxHeadSize: HEADERS_OVERFLOW, status 431, with nothing buffered past the limit', () => {
    const head = `GET / HTTP/1.1\r\nX: ${'y'.repeat(200)}\r\n\r\n`;
    expect(request(head, { maxHeadSize: head.length }).error).toBeNull();
    const r = request(head, { maxHeadSize: head.length - 1 });
    expect(codeOf(r)).toBe(ErrorCode.MAX_BYTES);
    const e = toHttp1Error(r.error as never);
    expect([e.code, e.status]).toEqual([E.HEADERS_OVERFLOW, 431]);
  });

  it('a long request target: URI_TOO_LONG, status 414', () => {
    const r = request(`GET /${'a'.repeat(100)} HTTP/1.1\r\n\r\n`, { maxUrlLength: 100 });
    expect(toHttp1Error(r.error as never).status).toBe(414);
    expect(request(`GET /${'a'.repeat(99)} HTTP/1.1\r\n\r\n`, { maxUrlLength: 100 }).error).toBeNull();
  });

  it('a body over maxBodySize: BODY_TOO_LARGE, status 413, for both framings', () => {
    expect(codeOf(request(`${POST}Content-Length: 11\r\n\r\n`, { maxBodySize: 10 }))).toBe(E.BODY_TOO_LARGE);
    const chunked = request(`${POST}Transfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\nabcde\r\n`, {
      maxBodySize: 10,
    });
    expect(codeOf(chunked)).toBe(E.BODY_TOO_LARGE);
    expect(chunked.messages[0].body).toBe('abcdef');
  });

  it('an unknown method maps to 501', () => {
    expect(toHttp1Error(request('BREW /pot HTTP/1.1\r\n\r\n').error as never).status).toBe(501);
    expect(request('BREW /pot HTTP/1.1\r\n\r\n', { allowUnknownMethods: true }).messages[0].method).toBe('BREW');
  });
});
