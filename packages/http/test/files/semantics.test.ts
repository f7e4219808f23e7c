/** What a file server answers to conditional, ranged and compressed requests, field by field (RFC 9110 §13, §14, §12.5.3). */
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { filesFixture, tree } from './fixture.js';

const digits = Array.from({ length: 100 }, (_, i) => String(i % 10)).join(''); // 100 bytes: 0123456789 ten times
const text = 'All work and no play makes Jack a dull boy.\n'.repeat(200); // 8,800 bytes, compressible
const root = tree({
  'digits.bin': digits,
  'page.txt': text,
  'small.css': 'a { color: red }\n',
  'empty.txt': '',
  'app.js': 'let x = 1;\n'.repeat(200),
  'pic.png': Buffer.alloc(4096, 7),
  'data.json': JSON.stringify({ a: 'b'.repeat(2000) }),
  'unknown.zzz': 'x'.repeat(2000),
  'dir/one.txt': '1',
  'dir/<b>&"x\'.txt': 'odd name',
  'dir/sub/two.txt': '2',
  'dir/.hidden': 'h',
});
// A fixed modification time: Last-Modified and the tag are then known.
const MTIME = new Date('2024-05-01T12:00:00Z');
utimesSync(join(root, 'digits.bin'), MTIME, MTIME);
utimesSync(join(root, 'page.txt'), MTIME, MTIME);
const LAST_MODIFIED = 'Wed, 01 May 2024 12:00:00 GMT';
const DIGITS_TAG = `"64-${MTIME.getTime().toString(16)}"`; // size 100 = 0x64

describe('serveFiles: validators and conditional requests', () => {
  const start = filesFixture();

  test('a file answers with a strong ETag from size and mtime, Last-Modified, Accept-Ranges and Cache-Control', async () => {
    const { get } = await start(root, { maxAge: 3600 });
    const a = await get('/digits.bin');
    expect(a.status).toBe(200);
    expect(a.headers.etag).toBe(DIGITS_TAG);
    expect(a.headers['last-modified']).toBe(LAST_MODIFIED);
    expect(a.headers['accept-ranges']).toBe('bytes');
    expect(a.headers['cache-control']).toBe('public, max-age=3600');
    expect(a.headers['content-length']).toBe('100');
    expect(a.body).toBe(digits);
    expect((await (await start(root)).get('/digits.bin')).headers['cache-control']).toBe('public, max-age=0');
  });

  test('If-None-Match: 304 for a matching tag, a weak form of it, one in a list, or *', async () => {
    const { get } = await start(root);
    for (const inm of [DIGITS_TAG, `W/${DIGITS_TAG}`, `"nope", ${DIGITS_TAG}`, '*']) {
      const a = await get('/digits.bin', `If-None-Match: ${inm}\r\n`);
      expect(a.status, inm).toBe(304);
      expect(a.body).toBe('');
      expect(a.headers.etag).toBe(DIGITS_TAG);
      expect(a.headers['last-modified']).toBe(LAST_MODIFIED);
    }
    expect((await get('/digits.bin', 'If-None-Match: "other"\r\n')).status).toBe(200);
  });

  test('If-Modified-Since: 304 when not modified since, 200 when modified; ignored when not a date', async () => {
    const { get, request } = await start(root);
    expect((await get('/digits.bin', `If-Modified-Since: ${LAST_MODIFIED}\r\n`)).status).toBe(304);
    expect((await request('HEAD', '/digits.bin', 'If-Modified-Since: Thu, 02 May 2024 00:00:00 GMT\r\n')).status).toBe(
      304,
    );
    expect((await get('/digits.bin', 'If-Modified-Since: Tue, 30 Apr 2024 00:00:00 GMT\r\n')).status).toBe(200);
    expect((await get('/digits.bin', 'If-Modified-Since: yesterday\r\n')).status).toBe(200);
  });

  test('the three HTTP-date formats are read, in GMT whatever the local zone; other dates are ignored', async () => {
    const { get } = await start(root);
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York'; // asctime names no zone: Date.parse would read it as local time
    try {
      for (const same of [
        'Wed, 01 May 2024 12:00:00 GMT',
        'Wednesday, 01-May-24 12:00:00 GMT',
        'Wed May  1 12:00:00 2024',
      ]) {
        expect((await get('/digits.bin', `If-Modified-Since: ${same}\r\n`)).status, same).toBe(304);
        expect((await get('/digits.bin', `Range: bytes=0-1\r\nIf-Range: ${same}\r\n`)).status, same).toBe(206);
      }
      // An hour before the file's time, in asctime: modified since, so 200 (read as New York time, 304).
      expect((await get('/digits.bin', 'If-Modified-Since: Wed May  1 11:00:00 2024\r\n')).status).toBe(200);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
    // Not HTTP-dates, though Date.parse reads them (`0` is 1 January 2000): ignored, as RFC 9110 §13.1.3-4 ask.
    expect((await get('/digits.bin', 'If-Modified-Since: 2030\r\n')).status).toBe(200);
    expect((await get('/digits.bin', 'If-Unmodified-Since: 0\r\n')).status).toBe(200);
    expect((await get('/digits.bin', 'If-Unmodified-Since: Sun, 31 Feb 2021 00:00:00 GMT\r\n')).status).toBe(200);
    const two = `If-Modified-Since: ${LAST_MODIFIED}, ${LAST_MODIFIED}\r\n`;
    expect((await get('/digits.bin', two)).status).toBe(200);
  });

  test('§13.2.2 step 3 before 4: If-None-Match decides, and If-Modified-Since is then not looked at', async () => {
    const { get } = await start(root);
    // The date alone would give 304; the tag does not match, so 200.
    expect((await get('/digits.bin', `If-None-Match: "other"\r\nIf-Modified-Since: ${LAST_MODIFIED}\r\n`)).status).toBe(
      200,
    );
    // The date alone would give 200; the tag matches, so 304.
    const old = 'If-Modified-Since: Tue, 30 Apr 2024 00:00:00 GMT\r\n';
    expect((await get('/digits.bin', `If-None-Match: ${DIGITS_TAG}\r\n${old}`)).status).toBe(304);
  });

  test('If-Match (strong comparison) and If-Unmodified-Since: 412 when false, before any 304', async () => {
    const { get } = await start(root);
    expect((await get('/digits.bin', `If-Match: ${DIGITS_TAG}\r\n`)).status).toBe(200);
    expect((await get('/digits.bin', 'If-Match: *\r\n')).status).toBe(200);
    expect((await get('/digits.bin', `If-Match: W/${DIGITS_TAG}\r\n`)).status).toBe(412);
    expect((await get('/digits.bin', 'If-Match: "other"\r\n')).status).toBe(412);
    expect((await get('/digits.bin', `If-Unmodified-Since: ${LAST_MODIFIED}\r\n`)).status).toBe(200);
    expect((await get('/digits.bin', 'If-Unmodified-Since: Tue, 30 Apr 2024 00:00:00 GMT\r\n')).status).toBe(412);
    // Step 1 before step 2: a true If-Match makes a false If-Unmodified-Since irrelevant.
    const stale = 'If-Unmodified-Since: Tue, 30 Apr 2024 00:00:00 GMT\r\n';
    expect((await get('/digits.bin', `If-Match: ${DIGITS_TAG}\r\n${stale}`)).status).toBe(200);
    // Step 1 or 2 before step 3: 412 even when If-None-Match would give 304.
    expect((await get('/digits.bin', `If-Match: "other"\r\nIf-None-Match: ${DIGITS_TAG}\r\n`)).status).toBe(412);
    // A precondition fails before a range is looked at.
    expect((await get('/digits.bin', `If-Match: "other"\r\nRange: bytes=0-1\r\n`)).status).toBe(412);
  });
});

describe('serveFiles: ranges', () => {
  const start = filesFixture();

  test('one range: 206 with Content-Range and the bytes; open-ended and suffix ranges', async () => {
    const { get } = await start(root);
    const cases: [string, string, string][] = [
      ['bytes=0-9', 'bytes 0-9/100', digits.slice(0, 10)],
      ['bytes=95-', 'bytes 95-99/100', digits.slice(95)],
      ['bytes=-3', 'bytes 97-99/100', digits.slice(97)],
      ['bytes=90-500', 'bytes 90-99/100', digits.slice(90)],
      // RFC 9110 §14.1.3: a suffix longer than the file selects all of it (range-parser 1.3 alone says 416).
      ['bytes=-500', 'bytes 0-99/100', digits],
      ['BYTES=1-1', 'bytes 1-1/100', '1'],
      // Overlapping ranges are merged into one.
      ['bytes=0-4,3-9', 'bytes 0-9/100', digits.slice(0, 10)],
    ];
    for (const [range, contentRange, body] of cases) {
      const a = await get('/digits.bin', `Range: ${range}\r\n`);
      expect(a.status, range).toBe(206);
      expect(a.headers['content-range'], range).toBe(contentRange);
      expect(a.headers['content-length']).toBe(String(body.length));
      expect(a.headers.etag).toBe(DIGITS_TAG);
      expect(a.body, range).toBe(body);
    }
  });

  test('several ranges: multipart/byteranges, each part with its type and Content-Range', async () => {
    const { get } = await start(root);
    const a = await get('/digits.bin', 'Range: bytes=0-2,50-52,-2\r\n');
    expect(a.status).toBe(206);
    const boundary = /^multipart\/byteranges; boundary=(\S+)$/.exec(a.headers['content-type'])?.[1];
    expect(boundary).toBeDefined();
    expect(Number(a.headers['content-length'])).toBe(a.body.length);
    const parts = a.body.split(`--${boundary}`);
    expect(parts.at(-1)).toBe('--\r\n');
    expect(parts.slice(1, -1)).toEqual([
      '\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-2/100\r\n\r\n012\r\n',
      '\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 50-52/100\r\n\r\n012\r\n',
      '\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 98-99/100\r\n\r\n89\r\n',
    ]);
  });

  test('an unsatisfiable range: 416 with Content-Range: bytes */size', async () => {
    const { get } = await start(root);
    for (const range of ['bytes=100-', 'bytes=200-300', 'bytes=-0', 'bytes=5-1,100-']) {
      const a = await get('/digits.bin', `Range: ${range}\r\n`);
      expect(a.status, range).toBe(416);
      expect(a.headers['content-range']).toBe('bytes */100');
    }
    expect((await get('/empty.txt', 'Range: bytes=0-\r\n')).headers['content-range']).toBe('bytes */0');
  });

  test('a Range that cannot be read, of another unit, on HEAD, or with too many parts is ignored: 200', async () => {
    const { get, request } = await start(root, { maxRanges: 3 });
    for (const range of ['bytes=abc', 'items=0-1', 'bytes 0-1', 'bytes=0-1,2-3x', 'bytes=0-0,2-2,4-4,6-6']) {
      const a = await get('/digits.bin', `Range: ${range}\r\n`);
      expect(a.status, range).toBe(200);
      expect(a.body).toBe(digits);
    }
    const head = await request('HEAD', '/digits.bin', 'Range: bytes=0-1\r\n');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('100');
  });

  test('If-Range: the range when the strong tag or the exact date matches; else the whole file', async () => {
    const { get } = await start(root);
    const ranged = (ifRange: string) => get('/digits.bin', `Range: bytes=0-1\r\nIf-Range: ${ifRange}\r\n`);
    expect((await ranged(DIGITS_TAG)).status).toBe(206);
    expect((await ranged(LAST_MODIFIED)).status).toBe(206);
    expect((await ranged(`W/${DIGITS_TAG}`)).status).toBe(200); // §13.1.5: weak tags never match
    expect((await ranged('"other"')).status).toBe(200);
    expect((await ranged('Wed, 01 May 2024 12:00:01 GMT')).status).toBe(200);
    const whole = await ranged('"other"');
    expect(whole.body).toBe(digits);
    expect(whole.headers['content-range']).toBeUndefined();
  });
});

describe('serveFiles: compression', () => {
  const start = filesFixture();

  test('gzip or brotli by q-value, brotli first on a tie; identity when none is acceptable', async () => {
    const { get } = await start(root);
    const cases: [string, string | undefined][] = [
      ['gzip', 'gzip'],
      ['br', 'br'],
      ['gzip, br', 'br'],
      ['gzip;q=1, br;q=0.5', 'gzip'],
      ['br;q=0, gzip;q=0.1', 'gzip'],
      ['*', 'br'],
      ['deflate', undefined],
      ['identity', undefined],
      ['gzip;q=0, br;q=0', undefined],
    ];
    for (const [accept, coding] of cases) {
      const a = await get('/page.txt', `Accept-Encoding: ${accept}\r\n`);
      expect(a.status, accept).toBe(200);
      expect(a.headers['content-encoding'], accept).toBe(coding);
      expect(a.headers.vary).toBe('Accept-Encoding');
      const bytes = Buffer.from(a.body, 'latin1');
      const body = coding === 'gzip' ? gunzipSync(bytes) : coding === 'br' ? brotliDecompressSync(bytes) : bytes;
      expect(body.toString(), accept).toBe(text);
      if (coding !== undefined) {
        expect(a.headers['content-length']).toBeUndefined();
        expect(a.headers['transfer-encoding']).toBe('chunked');
        expect(a.headers.etag).toMatch(/^W\/"/);
        expect(bytes.length).toBeLessThan(text.length / 10);
      }
    }
    expect((await get('/page.txt')).headers['content-encoding']).toBeUndefined();
  });

  test('compressible types only, from 1 KiB; Vary only where the answer can vary', async () => {
    const { get } = await start(root);
    const ask = 'Accept-Encoding: gzip\r\n';
    expect((await get('/app.js', ask)).headers['content-encoding']).toBe('gzip');
    expect((await get('/data.json', ask)).headers['content-encoding']).toBe('gzip');
    for (const path of ['/small.css', '/pic.png', '/unknown.zzz', '/digits.bin']) {
      const a = await get(path, ask);
      expect(a.headers['content-encoding'], path).toBeUndefined();
      expect(a.headers.vary, path).toBeUndefined();
    }
    const { get: never } = await start(root, { compress: false });
    expect((await never('/page.txt', ask)).headers['content-encoding']).toBeUndefined();
    const { get: low } = await start(root, { compress: { threshold: 10 } });
    expect((await low('/small.css', ask)).headers['content-encoding']).toBe('gzip');
  });

  test('a range is never compressed; HEAD gets the head the GET would get; 304 keeps Vary and the weak tag', async () => {
    const { get, request } = await start(root);
    const ranged = await get('/page.txt', 'Accept-Encoding: gzip, br\r\nRange: bytes=0-9\r\n');
    expect(ranged.status).toBe(206);
    expect(ranged.headers['content-encoding']).toBeUndefined();
    expect(ranged.body).toBe(text.slice(0, 10));
    const head = await request('HEAD', '/page.txt', 'Accept-Encoding: gzip\r\n');
    expect(head.headers['content-encoding']).toBe('gzip');
    expect(head.headers['content-length']).toBeUndefined();
    expect(head.body).toBe('');
    const weak = head.headers.etag;
    const cached = await get('/page.txt', `Accept-Encoding: gzip\r\nIf-None-Match: ${weak}\r\n`);
    expect(cached.status).toBe(304);
    expect(cached.headers.vary).toBe('Accept-Encoding');
    expect(cached.headers.etag).toBe(weak);
  });
});

describe('serveFiles: types and listings', () => {
  const start = filesFixture();

  test('types from mime-types', async () => {
    const { request } = await start(root);
    const types: [string, string][] = [
      ['/page.txt', 'text/plain; charset=utf-8'],
      ['/app.js', 'text/javascript; charset=utf-8'],
      ['/small.css', 'text/css; charset=utf-8'],
      ['/data.json', 'application/json; charset=utf-8'],
      ['/pic.png', 'image/png'],
      ['/unknown.zzz', 'application/octet-stream'],
    ];
    for (const [path, type] of types) expect((await request('HEAD', path)).headers['content-type'], path).toBe(type);
  });

  test('--list: an HTML listing with names escaped and links encoded; dotfiles left out; none without it', async () => {
    const { get } = await start(root, { list: true });
    const a = await get('/dir/');
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(a.body).toContain('<a href="../">../</a>');
    expect(a.body).toContain('<a href="one.txt">one.txt</a>');
    expect(a.body).toContain('<a href="sub/">sub/</a>');
    expect(a.body).toContain('<a href="%3Cb%3E%26%22x&#39;.txt">&lt;b&gt;&amp;&quot;x&#39;.txt</a>');
    expect(a.body).not.toContain('<b>');
    expect(a.body).not.toContain('hidden');
    expect(a.body).toContain('<title>Index of /dir/</title>');
    const { get: plain } = await start(root);
    expect((await plain('/dir/')).status).toBe(404);
    const { get: capped } = await start(root, { list: true, maxListing: 1 });
    expect((await capped('/dir/')).body).toContain('only the first 1 entries');
  });
});
