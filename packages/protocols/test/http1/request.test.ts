/** Requests (RFC 9112 §2-§7): heads, every body framing, pipelining, keep-alive, Expect, upgrades. */
import { createDriver } from '@wiremachine/core';
import {
  createRequestMachine,
  Http1ErrorCode as E,
  type Http1Output,
  type RequestHead,
} from '@wiremachine/protocols/http1';
import { describe, expect, it } from 'vitest';
import { bytes, text } from './collect.js';
import { codeOf, request } from './parse.js';

describe('request heads', () => {
  it('reads the request line and fields, names as sent, values without OWS', () => {
    const r = request('GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Thing:  two words \t\r\naccept:\r\n\r\n');
    expect(r.error).toBeNull();
    expect(r.messages).toEqual([
      {
        method: 'GET',
        url: '/a?b=c',
        version: '1.1',
        headers: [
          ['Host', 'example.com'],
          ['X-Thing', 'two words'],
          ['accept', ''],
        ],
        body: '',
        chunks: [],
        trailers: [],
        complete: true,
      },
    ]);
  });

  it('gives field access by name, case-insensitively, joining repeated fields', () => {
    let head: RequestHead | null = null;
    const driver = createDriver(createRequestMachine(), {
      onOutput: (o: Http1Output) => {
        if (o.type === 'head' && o.kind === 'request') head = o;
      },
    });
    driver.feed(bytes('GET / HTTP/1.1\r\nAccept: a\r\nHOST: h\r\naccept: b\r\n\r\n'));
    const h = head as unknown as RequestHead;
    expect(h.fields.get('host')).toBe('h');
    expect(h.fields.get('Accept')).toBe('a, b');
    expect(h.fields.getAll('accept')).toEqual(['a', 'b']);
    expect(h.fields.has('cookie')).toBe(false);
    expect(h.rawHeaders).toEqual(['Accept', 'a', 'HOST', 'h', 'accept', 'b']);
    expect(h.rawHeaders).toBe(h.rawHeaders);
    expect(h.keepAlive).toBe(true);
    expect(h.bodyKind).toBe('none');
  });

  it('skips empty lines before a request line (RFC 9112 §2.2)', () => {
    expect(request('\r\n\r\nGET / HTTP/1.1\r\n\r\n').messages.map((m) => m.url)).toEqual(['/']);
  });

  it.each([
    ['a method that is not a token', 'G(T / HTTP/1.1\r\n\r\n', E.INVALID_METHOD],
    ['an unknown method', 'FROB / HTTP/1.1\r\n\r\n', E.UNKNOWN_METHOD],
    ['two spaces after the method', 'GET  / HTTP/1.1\r\n\r\n', E.INVALID_URL],
    ['a non-ASCII target', 'GET /\xe9 HTTP/1.1\r\n\r\n', E.INVALID_URL],
    ['a space in the target', 'GET /a b HTTP/1.1\r\n\r\n', E.INVALID_CONSTANT],
    ['a bad protocol name', 'GET / HTTQ/1.1\r\n\r\n', E.INVALID_CONSTANT],
    ['a two-digit version', 'GET / HTTP/1.10\r\n\r\n', E.INVALID_CONSTANT],
    ['an unsupported version', 'GET / HTTP/2.1\r\n\r\n', E.UNSUPPORTED_VERSION],
    ['a field name with a bad byte', 'GET / HTTP/1.1\r\nA@b: c\r\n\r\n', E.INVALID_HEADER_TOKEN],
    ['an empty field name', 'GET / HTTP/1.1\r\n: c\r\n\r\n', E.INVALID_HEADER_TOKEN],
    ['whitespace before the colon (RFC 9112 §5.1)', 'GET / HTTP/1.1\r\nHost : c\r\n\r\n', E.INVALID_HEADER_TOKEN],
    ['a NUL in a value', 'GET / HTTP/1.1\r\nA: b\x00c\r\n\r\n', E.INVALID_HEADER_TOKEN],
    ['obs-fold (RFC 9112 §5.2)', 'GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n', E.OBS_FOLD],
    ['whitespace before the first field', 'GET / HTTP/1.1\r\n A: b\r\n\r\n', E.OBS_FOLD],
    ['a bare LF (RFC 9112 §2.2)', 'GET / HTTP/1.1\r\nA: b\nC: d\r\n\r\n', E.BARE_LF],
    ['a bare CR', 'GET / HTTP/1.1\r\nA: b\rC: d\r\n\r\n', E.BARE_CR],
  ])('rejects %s', (_name, input, code) => {
    expect(codeOf(request(input))).toBe(code);
  });

  it('reports the offset of the offending byte and the state', () => {
    const r = request('GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nA@b: c\r\n\r\n');
    expect(r.messages).toHaveLength(1);
    const e = r.error as unknown as { code: string; offset: number; state: string; excerpt: Uint8Array };
    expect(e.code).toBe(E.INVALID_HEADER_TOKEN);
    expect(e.offset).toBe(18 + 17);
    expect(e.state).toBe('head');
    expect(text(e.excerpt).startsWith('@b: c')).toBe(true);
  });

  it('reports a framing fault of a pipelined head at the end of that head, in any slicing', () => {
    const first = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';
    const second = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n';
    const r = request(first + second);
    expect(r.messages).toHaveLength(1);
    const e = r.error as unknown as { code: string; offset: number };
    expect(e.code).toBe(E.INVALID_TRANSFER_ENCODING);
    expect(e.offset).toBe(first.length + second.length);
  });

  it('names the fault of a head the input never finished', () => {
    expect(codeOf(request('GET / HTTP/1.1\r\nContent-Length: x\r\n', {}, true))).toBe(E.INVALID_CONTENT_LENGTH);
    expect(codeOf(request('GET / HTTP/1.1\r\nHost: a', {}, true))).toBe(E.INCOMPLETE);
  });

  it('ends cleanly when the input ends between messages', () => {
    const r = request('GET / HTTP/1.1\r\n\r\n', {}, true);
    expect(r.error).toBeNull();
    expect(r.status).toBe('done');
  });
});

describe('long request heads (names and values scanned four bytes at a time)', () => {
  // Heads from 128 bytes on are scanned by 32-bit words: common names are found and compared that way.
  const PAD = `X-Pad: ${'p'.repeat(140)}\r\n`;
  const head = (fields: string) => `POST /upload HTTP/1.1\r\n${PAD}${fields}\r\n`;

  it('finds common names of every length as sent, from their words', () => {
    const names = ['TE', 'Via', 'Host', 'Range', 'If-Match', 'Content-Type', 'CONTENT-TYPE', 'Accept-Encoding'];
    const more = ['Proxy-Connection', 'Transfer-Encodin', 'Upgrade-Insecure-Requests', 'x', 'xy', 'xyz'];
    const r = request(head([...names, ...more].map((n, i) => `${n}: ${i}\r\n`).join('')));
    expect(r.error).toBeNull();
    expect(r.messages[0].headers.slice(1)).toEqual([...names, ...more].map((n, i) => [n, String(i)]));
  });

  it('hands out common names as sent, in any spelling, and other names as text', () => {
    const r = request(
      head('Host: a\r\nhost: b\r\nHOST: c\r\nHostx: d\r\nAccept-Encoding: e\r\nAccept-Encodings: f\r\n'),
    );
    expect(r.error).toBeNull();
    expect(r.messages[0].headers.slice(1)).toEqual([
      ['Host', 'a'],
      ['host', 'b'],
      ['HOST', 'c'],
      ['Hostx', 'd'],
      ['Accept-Encoding', 'e'],
      ['Accept-Encodings', 'f'],
    ]);
  });

  it('frames the body by Content-Length and Transfer-Encoding in any spelling', () => {
    expect(request(`${head('CONTENT-LENGTH: 3\r\n')}abc`).messages[0].body).toBe('abc');
    expect(request(`${head('transfer-ENCODING: chunked\r\n')}3\r\nabc\r\n0\r\n\r\n`).messages[0].body).toBe('abc');
    expect(codeOf(request(head('content-length: 1\r\nContent-Length: 1\r\n')))).toBe(E.DUPLICATE_CONTENT_LENGTH);
  });

  it('frames by a common name with whitespace before the colon under lenient HEADERS', () => {
    const r = request(`${head('Content-Length  : 3\r\n')}abc`, { lenient: ['HEADERS'] });
    expect(r.error).toBeNull();
    expect(r.messages[0].body).toBe('abc');
    expect(r.messages[0].headers[1]).toEqual(['Content-Length  ', '3']);
  });

  it.each([
    ['a separator after a common name', 'Host(x): a\r\n', 4],
    ['a separator inside a common name', 'Cont(nt-Length: 1\r\n', 4],
    ['a NUL after a common name', 'Accept\x00: a\r\n', 6],
    ['obs-text in a name', 'Acc\xe9pt: a\r\n', 3],
    ['whitespace before the colon', 'Host : a\r\n', 4],
  ])('rejects %s at its byte', (_name, line, at) => {
    const r = request(head(line));
    const e = r.error as unknown as { code: string; offset: number };
    expect(e.code).toBe(E.INVALID_HEADER_TOKEN);
    expect(e.offset).toBe(head('').length - 2 + at);
  });

  it('reads the version of a long head as a word, and any other version byte by byte', () => {
    const at = (v: string) => request(`POST /upload ${v}\r\n${PAD}\r\n`);
    expect(at('HTTP/1.1').messages[0].version).toBe('1.1');
    expect(at('HTTP/1.0').messages[0].version).toBe('1.0');
    expect(codeOf(at('HTTP/1.2'))).toBe(E.UNSUPPORTED_VERSION);
    expect(codeOf(at('HTTP/1,1'))).toBe(E.INVALID_VERSION);
    expect(codeOf(at('HTTQ/1.1'))).toBe(E.INVALID_CONSTANT);
  });

  it('names the fault of a long head the input never finished', () => {
    expect(codeOf(request(`POST / HTTP/1.1\r\n${PAD}Content-Le(gth`, {}, true))).toBe(E.INVALID_HEADER_TOKEN);
    expect(codeOf(request(`POST / HTTP/1.1\r\n${PAD}Content-Length`, {}, true))).toBe(E.INCOMPLETE);
  });
});

describe('heads kept while later heads are read', () => {
  /** Every head of `input` fed at once (in `pieces`), kept, and read only once all were parsed. */
  function keptHeads(input: string, pieces: number, options = {}): RequestHead[] {
    const heads: RequestHead[] = [];
    const driver = createDriver(createRequestMachine(options), {
      onOutput: (o: Http1Output) => {
        if (o.type === 'head' && o.kind === 'request') heads.push(o);
      },
    });
    const b = bytes(input);
    const size = Math.ceil(b.length / pieces);
    for (let i = 0; i < b.length; i += size) driver.feed(b.subarray(i, i + size));
    expect(driver.status).toBe('running');
    return heads;
  }

  const fieldsOf = (k: number, n: number) => Array.from({ length: n }, (_, j) => [`X-F${j}`, `v${k}-${j}`]);
  const headOf = (k: number, n: number) =>
    `GET /${k} HTTP/1.1\r\n${fieldsOf(k, n)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')}\r\n`;

  it('keeps the fields of each of many pipelined heads', () => {
    // Far more field lines than one block of line offsets holds, over several reads.
    const input = Array.from({ length: 400 }, (_, k) => headOf(k, 1 + (k % 13))).join('');
    for (const pieces of [1, 7]) {
      const heads = keptHeads(input, pieces);
      expect(heads.length).toBe(400);
      heads.forEach((h, k) => {
        const want = fieldsOf(k, 1 + (k % 13));
        expect(h.url).toBe(`/${k}`);
        expect(h.headers).toEqual(want);
        expect(h.rawHeaders).toEqual(want.flat());
        expect(h.fields.get(`x-f${k % 13}`)).toBe(`v${k}-${k % 13}`);
      });
    }
  });

  it('keeps the fields of a head with more lines than a block holds, and of the heads around it', () => {
    const input = headOf(0, 3) + headOf(1, 900) + headOf(2, 5);
    const heads = keptHeads(input, 1, { maxHeaders: 1000 });
    expect(heads.map((h) => h.headers)).toEqual([fieldsOf(0, 3), fieldsOf(1, 900), fieldsOf(2, 5)]);
  });
});

describe('request bodies (RFC 9112 §6)', () => {
  it('reads a Content-Length body as it arrives', () => {
    const r = request('POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n\r\n');
    expect(r.messages.map((m) => [m.body, m.complete])).toEqual([
      ['hello', true],
      ['', true],
    ]);
  });

  it('decodes chunked bodies with extensions and trailers', () => {
    const r = request(
      'POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n' +
        '5;a=1;b="x \\"y\\""\r\nhello\r\n1\r\n!\r\n0;z\r\nX-Sum: 1\r\nX-More: 2\r\n\r\n',
      { chunkHeaders: true },
    );
    expect(r.error).toBeNull();
    const m = r.messages[0];
    expect(m.body).toBe('hello!');
    expect(m.chunks).toEqual([
      {
        size: 5,
        extensions: [
          ['a', '1'],
          ['b', '"x \\"y\\""'],
        ],
      },
      { size: 1, extensions: [] },
      { size: 0, extensions: [['z', null]] },
    ]);
    expect(m.trailers).toEqual([
      ['X-Sum', '1'],
      ['X-More', '2'],
    ]);
    expect(m.complete).toBe(true);
  });

  it('gives each chunked message only its own trailers; found by the differential test against llhttp', () => {
    // A message with an empty trailer section after one with trailers used to get the earlier message's.
    const r = request(
      'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Sum: 1\r\n\r\n' +
        'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n',
    );
    expect(r.messages.map((m) => [m.body, m.trailers, m.complete])).toEqual([
      ['', [['X-Sum', '1']], true],
      ['a', [], true],
    ]);
  });

  it('streams large chunks and hands out views of what arrived', () => {
    const data = 'x'.repeat(20000);
    const r = request(
      `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${(20000).toString(16)}\r\n${data}\r\n0\r\n\r\n`,
    );
    expect(r.messages[0].body).toBe(data);
  });

  it('streams a large chunk and its CRLF in one read: body pieces hold only data, none empty', () => {
    const size = 9000; // over the 8 KiB under which a chunk is read whole
    const input = bytes(
      `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2328\r\n${'x'.repeat(size)}\r\n0\r\n\r\n`,
    );
    for (const piece of [1, 2, 3, 4096, input.length]) {
      const lengths: number[] = [];
      let ends = 0;
      const driver = createDriver(createRequestMachine(), {
        onOutput: (o: Http1Output) => {
          if (o.type === 'body') lengths.push(o.data.length);
          else if (o.type === 'end') ends++;
        },
      });
      for (let i = 0; i < input.length; i += piece) driver.feed(input.subarray(i, i + piece));
      expect(driver.status, `pieces of ${piece}`).toBe('running');
      expect(ends).toBe(1);
      expect(lengths.every((n) => n > 0)).toBe(true);
      expect(lengths.reduce((a, b) => a + b, 0)).toBe(size);
    }
  });

  it.each([
    ['a bad byte in place of the CR', 'y\r\n', 0],
    ['a bad byte in place of the LF', '\ry\n', 0],
    ['no CRLF at all', '0\r\n\r\n', 0],
  ])('rejects a large chunk followed by %s, at the CR, in any slicing', (_name, after, at) => {
    const head = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2328\r\n';
    const r = request(`${head}${'x'.repeat(9000)}${after}`);
    const e = r.error as unknown as { code: string; offset: number; state: string };
    expect(e.code).toBe(E.INVALID_CHUNK_END);
    expect(e.offset).toBe(head.length + 9000 + at);
    expect(e.state).toBe('chunkEnd');
  });

  it.each([
    ['a chunk size that is not hex', '2g\r\naa\r\n0\r\n\r\n', E.INVALID_CHUNK_SIZE],
    ['an empty chunk size', '\r\naa\r\n0\r\n\r\n', E.INVALID_CHUNK_SIZE],
    ['a space after the chunk size', '2 \r\naa\r\n0\r\n\r\n', E.INVALID_CHUNK_SIZE],
    ['an empty extension name', '2;\r\naa\r\n0\r\n\r\n', E.INVALID_CHUNK_EXTENSION],
    ['an unterminated quoted extension', '2;a="b\r\naa\r\n0\r\n\r\n', E.INVALID_CHUNK_EXTENSION],
    ['chunk data without its CRLF', '2\r\naaa\r\n0\r\n\r\n', E.INVALID_CHUNK_END],
  ])('rejects %s', (_name, body, code) => {
    expect(codeOf(request(`POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${body}`))).toBe(code);
  });

  it('rejects a request coding that does not end in chunked (RFC 9112 §6.3 rule 4)', () => {
    expect(codeOf(request('POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n'))).toBe(
      E.INVALID_TRANSFER_ENCODING,
    );
  });

  it('rejects a body cut short by the end of input', () => {
    expect(codeOf(request('POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel', {}, true))).toBe(E.INCOMPLETE);
  });
});

describe('connections (RFC 9112 §9)', () => {
  it('pipelines keep-alive requests', () => {
    const r = request(
      'GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /3 HTTP/1.1\r\n\r\n',
    );
    expect(r.messages.map((m) => m.url)).toEqual(['/1', '/2', '/3']);
  });

  it('refuses bytes after a message that closes the connection, but not blank lines', () => {
    expect(request('GET / HTTP/1.1\r\nConnection: close\r\n\r\n\r\n', {}, true).error).toBeNull();
    expect(codeOf(request('GET / HTTP/1.0\r\n\r\nGET / HTTP/1.1\r\n\r\n'))).toBe(E.CLOSED_CONNECTION);
    expect(request('GET / HTTP/1.0\r\n\r\nGET / HTTP/1.1\r\n\r\n', { lenient: ['KEEP_ALIVE'] }).messages).toHaveLength(
      2,
    );
  });

  it('makes Expect: 100-continue visible before the body is read', () => {
    const seen: string[] = [];
    const driver = createDriver(createRequestMachine(), {
      onOutput: (o: Http1Output) => {
        if (o.type === 'head' && o.kind === 'request') seen.push(`head expect=${o.expectContinue}`);
        else seen.push(o.type);
      },
    });
    driver.feed(bytes('PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n'));
    expect(seen).toEqual(['head expect=true']);
    driver.feed(bytes('ok'));
    expect(seen).toEqual(['head expect=true', 'body', 'end']);
  });

  it('hands the bytes after an Upgrade to the caller', () => {
    const r = request('GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x00rest');
    expect(r.upgraded).toBe(true);
    expect(r.status).toBe('done');
    expect(text(r.remaining as Uint8Array)).toBe('\x81\x00rest');
  });

  it('reads the body of an upgrade request before handing over', () => {
    const r = request('POST / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 2\r\n\r\nokNEXT');
    expect(r.messages[0].body).toBe('ok');
    expect(text(r.remaining as Uint8Array)).toBe('NEXT');
  });

  it('hands over after CONNECT, whatever its fields say', () => {
    const r = request('CONNECT a.example:443 HTTP/1.1\r\nContent-Length: 3\r\n\r\nTLS');
    expect(r.upgraded).toBe(true);
    expect(r.messages[0].body).toBe('');
    expect(text(r.remaining as Uint8Array)).toBe('TLS');
  });
});
