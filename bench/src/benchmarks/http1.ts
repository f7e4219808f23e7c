/**
 * `http1`: HTTP/1.1 request parsing, wiremachine's machine next to Node's own
 * llhttp, http-parser-js and a raw scan (the lower bound of the work).
 *
 * - heads: pipelined GET requests of 8 header fields, fed in 64 KiB pieces,
 *   and fed one byte at a time; ns per request.
 * - chunked: one request with a 1 MiB chunked body, in chunks of 16 bytes and
 *   of 16 KiB, fed in 64 KiB pieces; ns per KiB of body.
 *
 * The wiremachine case counts heads, body bytes and ends from its outputs; it
 * does not decode header strings (its heads make them when asked), so a
 * second row, `wiremachine+strings`, builds every name, value, method and URL.
 *
 * @module
 */
import { createDriver } from '@wiremachine/core';
import { createRequestMachine, type Http1Output } from '@wiremachine/protocols/http1';
import { do_not_optimize } from 'mitata';
import { type BenchCase, type BenchGroup, defineBenchmark, rowOf } from '../define.js';
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
function wiremachineFeeder(strings: boolean): Feeder {
  const tally: Tally = { heads: 0, bodyBytes: 0, messages: 0 };
  const driver = createDriver(createRequestMachine(), {
    onOutput: (o: Http1Output) => {
      if (o.type === 'head') {
        tally.heads++;
        if (strings && o.kind === 'request') {
          do_not_optimize(o.method);
          do_not_optimize(o.url);
          do_not_optimize(o.headers);
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
): BenchGroup {
  const chunks = pieces(input, pieceSize);
  return {
    name,
    unit,
    baseline: 'wiremachine',
    cases: [
      peerCase('wiremachine', () => wiremachineFeeder(false), chunks, ops, check),
      ...(unit === 'ns/req'
        ? [peerCase('wiremachine+strings', () => wiremachineFeeder(true), chunks, ops, check)]
        : []),
      peerCase('llhttp (node)', llhttpFeeder, chunks, ops, check),
      peerCase('http-parser-js', httpParserJsFeeder, chunks, ops, check),
      peerCase('raw indexOf', raw, chunks, ops, check),
    ],
  };
}

const heads = Buffer.from(REQUEST.repeat(PIPELINED), 'latin1');
const headsOneByte = Buffer.from(REQUEST.repeat(ONE_BYTE), 'latin1');
const chunked16 = chunkedRequest(16);
const chunked16k = chunkedRequest(16 * 1024);
const KIB = BODY / 1024;

const G_HEADS = 'heads, 64 KiB pieces';
const G_BYTE = 'heads, 1-byte pieces';
const G_C16 = 'chunked 1 MiB, 16 B chunks';
const G_C16K = 'chunked 1 MiB, 16 KiB chunks';

const allHeads = (n: number) => (t: Tally) => t.heads === n && t.messages === n;
const wholeBody = (t: Tally) => t.bodyBytes === BODY && t.messages === 1;

/** Request heads and chunked bodies, against llhttp, http-parser-js and a raw scan. */
export const http1 = defineBenchmark({
  name: 'http1',
  description: 'HTTP/1.1 requests: pipelined heads (64 KiB and 1-byte pieces), chunked bodies (16 B and 16 KiB chunks)',
  groups: [
    group(G_HEADS, 'ns/req', heads, 64 * 1024, PIPELINED, allHeads(PIPELINED), rawHeadScan),
    group(G_BYTE, 'ns/req', headsOneByte, 1, ONE_BYTE, allHeads(ONE_BYTE), rawHeadScan),
    group(G_C16, 'ns/KiB', chunked16, 64 * 1024, KIB, wholeBody, () => rawChunkScan(chunked16)),
    group(G_C16K, 'ns/KiB', chunked16k, 64 * 1024, KIB, wholeBody, () => rawChunkScan(chunked16k)),
  ],
  targets: [
    { label: `${G_HEADS}: llhttp / wiremachine >= 3x`, met: (r) => rowOf(r, G_HEADS, 'llhttp (node)').ratio >= 3 },
    { label: `${G_BYTE}: llhttp / wiremachine >= 1x`, met: (r) => rowOf(r, G_BYTE, 'llhttp (node)').ratio >= 1 },
    { label: `${G_C16}: llhttp / wiremachine >= 2x`, met: (r) => rowOf(r, G_C16, 'llhttp (node)').ratio >= 2 },
    { label: `${G_C16K}: llhttp / wiremachine >= 2x`, met: (r) => rowOf(r, G_C16K, 'llhttp (node)').ratio >= 2 },
  ],
});
