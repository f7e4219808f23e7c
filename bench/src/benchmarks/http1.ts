/**
 * `http1`: HTTP/1.1 request parsing, wiremachine's machine next to Node's own
 * llhttp, http-parser-js and a raw scan (the lower bound of the work).
 *
 * - heads: pipelined GET requests of 8 header fields, fed in 64 KiB pieces,
 *   and fed one byte at a time; requests of 20 fields and responses of 8, in
 *   64 KiB pieces; ns per head.
 * - chunked: one request with a 1 MiB chunked body, in chunks of 16 bytes and
 *   of 16 KiB, fed in 64 KiB pieces; ns per KiB of body.
 *
 * The wiremachine case counts heads, body bytes and ends from its outputs; it
 * does not decode header strings (its heads make them when asked), so a
 * second row, `wiremachine+strings`, builds every name, value, method and URL
 * (status and reason for responses): llhttp's binding hands every one to
 * JavaScript as a string, so that row is the fair comparison. It asks for the
 * fields as `rawHeaders`, names and values in one array, which is what the
 * binding makes (Node's `rawHeaders`).
 *
 * @module
 */
import { createDriver } from '@wiremachine/core';
import { createRequestMachine, createResponseMachine, type Http1Output } from '@wiremachine/protocols/http1';
import { do_not_optimize } from 'mitata';
import { type BenchCase, type BenchGroup, defineBenchmark, type ResultRow, rowOf } from '../define.js';
import { type Feeder, httpParserJsFeeder, llhttpFeeder, rawChunkScan, rawHeadScan, type Tally } from './http1-peers.js';

const REQUEST =
  'GET /api/v1/users/12345?fields=name,email HTTP/1.1\r\n' +
  'Host: api.example.com\r\n' +
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n' +
  'Accept: application/json, text/plain, */*\r\n' +
  'Accept-Language: en-US,en;q=0.5\r\n' +
  'Accept-Encoding: gzip, deflate, br\r\n' +
  'Connection: keep-alive\r\n' +
  'Cookie: session=abc123def456; theme=dark\r\n' +
  'Cache-Control: no-cache\r\n' +
  '\r\n';

const REQUEST_20 =
  'POST /api/v2/orders?expand=items,customer&limit=50 HTTP/1.1\r\n' +
  'Host: shop.example.com\r\n' +
  'User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Safari/605.1.15\r\n' +
  'Accept: application/json\r\n' +
  'Accept-Language: en-GB,en;q=0.9\r\n' +
  'Accept-Encoding: gzip, deflate, br\r\n' +
  'Connection: keep-alive\r\n' +
  'Content-Type: application/json\r\n' +
  'Content-Length: 0\r\n' +
  'Origin: https://shop.example.com\r\n' +
  'Referer: https://shop.example.com/cart\r\n' +
  'Cookie: sid=8f2d9c1e7a6b5c4d; cart=3; consent=yes\r\n' +
  'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl\r\n' +
  'Cache-Control: no-cache\r\n' +
  'Pragma: no-cache\r\n' +
  'Sec-Fetch-Dest: empty\r\n' +
  'Sec-Fetch-Mode: cors\r\n' +
  'Sec-Fetch-Site: same-origin\r\n' +
  'X-Request-Id: 6f1c2b7e-4a9d-4e3b-8c5f-0d2a1b3c4d5e\r\n' +
  'X-Forwarded-For: 203.0.113.7, 198.51.100.23\r\n' +
  'If-None-Match: "33a64df551425fcc55e4d42a148795d9f25f89d4"\r\n' +
  '\r\n';

const RESPONSE =
  'HTTP/1.1 200 OK\r\n' +
  'Date: Fri, 04 Dec 2026 03:00:00 GMT\r\n' +
  'Server: nginx/1.24.0\r\n' +
  'Content-Type: application/json; charset=utf-8\r\n' +
  'Content-Length: 0\r\n' +
  'Connection: keep-alive\r\n' +
  'Cache-Control: private, max-age=0\r\n' +
  'ETag: W/"5e-1b2c3d4e5f"\r\n' +
  'Vary: Accept-Encoding\r\n' +
  '\r\n';

const PIPELINED = 1000;
const ONE_BYTE = 20;
const BODY = 1 << 20;

function pieces(input: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < input.length; i += size) out.push(input.subarray(i, i + size));
  return out;
}

function chunkedRequest(chunk: number): Buffer {
  const data = Buffer.alloc(chunk, 0x61);
  const line = Buffer.from(`${chunk.toString(16)}\r\n`, 'latin1');
  const parts: Buffer[] = [
    Buffer.from('POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', 'latin1'),
  ];
  for (let n = 0; n < BODY; n += chunk) parts.push(line, data, Buffer.from('\r\n', 'latin1'));
  parts.push(Buffer.from('0\r\n\r\n', 'latin1'));
  return Buffer.concat(parts);
}

/** wiremachine's request machine, one driver reused across calls (it waits for the next head between them). */
function wiremachineFeeder(strings: boolean, response = false): Feeder {
  const tally: Tally = { heads: 0, bodyBytes: 0, messages: 0 };
  const driver = createDriver(response ? createResponseMachine() : createRequestMachine(), {
    onOutput: (o: Http1Output) => {
      if (o.type === 'head') {
        tally.heads++;
        if (strings) {
          if (o.kind === 'request') {
            do_not_optimize(o.method);
            do_not_optimize(o.url);
          } else {
            do_not_optimize(o.status);
            do_not_optimize(o.reason);
          }
          do_not_optimize(o.rawHeaders);
        }
      } else if (o.type === 'body') tally.bodyBytes += o.data.length;
      else if (o.type === 'end') tally.messages++;
    },
  });
  return (chunks) => {
    tally.heads = 0;
    tally.bodyBytes = 0;
    tally.messages = 0;
    for (let i = 0; i < chunks.length; i++) driver.feed(chunks[i]);
    if (driver.status !== 'running') throw new Error(`wiremachine: driver ${driver.status}: ${driver.error?.message}`);
    return tally;
  };
}

function peerCase(
  name: string,
  make: () => Feeder,
  chunks: Buffer[],
  ops: number,
  check: (t: Tally) => boolean,
): BenchCase {
  return {
    name,
    ops,
    prepare() {
      const feed = make();
      return () => {
        const t = feed(chunks);
        if (!check(t)) throw new Error(`${name}: parsed ${JSON.stringify(t)}`);
        return t;
      };
    },
  };
}

function group(
  name: string,
  unit: string,
  input: Buffer,
  pieceSize: number,
  ops: number,
  check: (t: Tally) => boolean,
  raw: () => Feeder,
  response = false,
): BenchGroup {
  const chunks = pieces(input, pieceSize);
  return {
    name,
    unit,
    baseline: 'wiremachine',
    cases: [
      peerCase('wiremachine', () => wiremachineFeeder(false, response), chunks, ops, check),
      ...(unit === 'ns/req'
        ? [peerCase('wiremachine+strings', () => wiremachineFeeder(true, response), chunks, ops, check)]
        : []),
      peerCase('llhttp (node)', () => llhttpFeeder(response), chunks, ops, check),
      peerCase('http-parser-js', () => httpParserJsFeeder(response), chunks, ops, check),
      peerCase('raw indexOf', raw, chunks, ops, check),
    ],
  };
}

const heads = Buffer.from(REQUEST.repeat(PIPELINED), 'latin1');
const headsOneByte = Buffer.from(REQUEST.repeat(ONE_BYTE), 'latin1');
const heads20 = Buffer.from(REQUEST_20.repeat(PIPELINED), 'latin1');
const responses = Buffer.from(RESPONSE.repeat(PIPELINED), 'latin1');
const chunked16 = chunkedRequest(16);
const chunked16k = chunkedRequest(16 * 1024);
const KIB = BODY / 1024;

const G_HEADS = 'heads, 64 KiB pieces';
const G_BYTE = 'heads, 1-byte pieces';
const G_H20 = 'heads of 20 fields, 64 KiB pieces';
const G_RES = 'response heads, 64 KiB pieces';
const G_C16 = 'chunked 1 MiB, 16 B chunks';
const G_C16K = 'chunked 1 MiB, 16 KiB chunks';

const allHeads = (n: number) => (t: Tally) => t.heads === n && t.messages === n;
const wholeBody = (t: Tally) => t.bodyBytes === BODY && t.messages === 1;

/** `peer`'s median over `ours`'s in `group`: above 1 when ours is faster. */
const ahead = (r: readonly ResultRow[], group: string, peer: string, ours = 'wiremachine') =>
  rowOf(r, group, peer).medianNs / rowOf(r, group, ours).medianNs;

const STR = 'wiremachine+strings';
const LL = 'llhttp (node)';
const HPJ = 'http-parser-js';

/** Request and response heads and chunked bodies, against llhttp, http-parser-js and a raw scan. */
export const http1 = defineBenchmark({
  name: 'http1',
  description:
    'HTTP/1.1: pipelined request heads (64 KiB and 1-byte pieces, 8 and 20 fields), response heads, chunked bodies (16 B and 16 KiB chunks)',
  groups: [
    group(G_HEADS, 'ns/req', heads, 64 * 1024, PIPELINED, allHeads(PIPELINED), rawHeadScan),
    group(G_BYTE, 'ns/req', headsOneByte, 1, ONE_BYTE, allHeads(ONE_BYTE), rawHeadScan),
    group(G_H20, 'ns/req', heads20, 64 * 1024, PIPELINED, allHeads(PIPELINED), rawHeadScan),
    group(G_RES, 'ns/req', responses, 64 * 1024, PIPELINED, allHeads(PIPELINED), rawHeadScan, true),
    group(G_C16, 'ns/KiB', chunked16, 64 * 1024, KIB, wholeBody, () => rawChunkScan(chunked16)),
    group(G_C16K, 'ns/KiB', chunked16k, 64 * 1024, KIB, wholeBody, () => rawChunkScan(chunked16k)),
  ],
  targets: [
    ...[G_HEADS, G_H20, G_RES].flatMap((g) => [
      {
        label: `${g}: every string made, llhttp / wiremachine+strings >= 1x`,
        met: (r: readonly ResultRow[]) => ahead(r, g, LL, STR) >= 1,
      },
      {
        label: `${g}: strings on demand, llhttp / wiremachine >= 2x`,
        met: (r: readonly ResultRow[]) => ahead(r, g, LL) >= 2,
      },
    ]),
    { label: `${G_BYTE}: llhttp / wiremachine >= 1x`, met: (r) => ahead(r, G_BYTE, LL) >= 1 },
    ...[G_C16, G_C16K].flatMap((g) => [
      { label: `${g}: llhttp / wiremachine > 1x`, met: (r: readonly ResultRow[]) => ahead(r, g, LL) > 1 },
      { label: `${g}: http-parser-js / wiremachine > 1x`, met: (r: readonly ResultRow[]) => ahead(r, g, HPJ) > 1 },
    ]),
  ],
});
