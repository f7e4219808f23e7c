/**
 * The peers of the `http1` benchmark: Node's own llhttp (`process.binding`),
 * http-parser-js, and raw scans that only find the message boundaries (the
 * lower bound of the work). Each case counts what it parsed and throws if the
 * count is wrong, so a failed parser cannot pass for a fast one.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { do_not_optimize } from 'mitata';

const require = createRequire(import.meta.url);

/** What a peer found in one timed call. */
export interface Tally {
  heads: number;
  bodyBytes: number;
  messages: number;
}

/** A parser fed chunks, counting heads, body bytes and complete messages. */
export type Feeder = (chunks: readonly Uint8Array[]) => Tally;

interface ParserClass {
  new (type?: number): ParserLike;
  REQUEST: number;
  RESPONSE: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
}
interface ParserLike {
  initialize?(type: number, resource: object): void;
  execute(chunk: Uint8Array): unknown;
  [key: number]: unknown;
}

function callbackParser(Parser: ParserClass, make: () => ParserLike): Feeder {
  const tally: Tally = { heads: 0, bodyBytes: 0, messages: 0 };
  const parser = make();
  parser[Parser.kOnHeadersComplete] = () => {
    tally.heads++;
    return 0;
  };
  parser[Parser.kOnBody] = (b: Uint8Array, _start?: number, len?: number) => {
    tally.bodyBytes += len ?? b.length;
  };
  parser[Parser.kOnMessageComplete] = () => {
    tally.messages++;
  };
  return (chunks) => {
    tally.heads = 0;
    tally.bodyBytes = 0;
    tally.messages = 0;
    for (let i = 0; i < chunks.length; i++) {
      const r = parser.execute(chunks[i]);
      if (r instanceof Error) throw r;
    }
    return tally;
  };
}

/** Node's built-in llhttp, through the binding `node:http` uses (responses with `response`). */
export function llhttpFeeder(response = false): Feeder {
  const { HTTPParser } = (process as unknown as { binding(name: string): { HTTPParser: ParserClass } }).binding(
    'http_parser',
  );
  return callbackParser(HTTPParser, () => {
    const p = new HTTPParser();
    p.initialize?.(response ? HTTPParser.RESPONSE : HTTPParser.REQUEST, {});
    return p;
  });
}

/** http-parser-js, the pure-JavaScript parser (responses with `response`). */
export function httpParserJsFeeder(response = false): Feeder {
  const { HTTPParser } = require('http-parser-js') as { HTTPParser: ParserClass };
  return callbackParser(HTTPParser, () => new HTTPParser(response ? HTTPParser.RESPONSE : HTTPParser.REQUEST));
}

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

/** Progress through "\r\n\r\n" after byte `c`, from `k` bytes matched. */
function step(k: number, c: number): number {
  if (c === 13) return k === 2 ? 3 : 1;
  if (c === 10) return k === 1 ? 2 : k === 3 ? 4 : 0;
  return 0;
}

/**
 * `indexOf` of CRLFCRLF in each chunk, with the match state carried over
 * chunk edges (byte by byte there): the lower bound of finding the heads.
 */
export function rawHeadScan(): Feeder {
  const tally: Tally = { heads: 0, bodyBytes: 0, messages: 0 };
  let k = 0;
  return (chunks) => {
    tally.heads = 0;
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i] as Buffer;
      const n = c.length;
      let at = 0;
      // Finish (or drop) a match that began in the previous chunk.
      while (k > 0 && at < n) {
        k = step(k, c[at++]);
        if (k === 4) {
          tally.heads++;
          k = 0;
        }
      }
      let last = at;
      for (let p = c.indexOf(CRLFCRLF, at); p >= 0; p = c.indexOf(CRLFCRLF, p + 4)) {
        tally.heads++;
        last = p + 4;
      }
      // The state at the end of the chunk, from its last 3 bytes.
      for (let p = Math.max(last, n - 3); p < n; p++) k = step(k, c[p]);
    }
    do_not_optimize(k);
    tally.messages = tally.heads;
    return tally;
  };
}

/**
 * Chunked body by hand: `indexOf` of each size line's CR, parse the hex, a view
 * of the data, skip its CRLF. It scans `whole` (the message in one buffer),
 * not the pieces the parsers get, so it pays for no chunk edges: a lower bound.
 */
export function rawChunkScan(whole: Buffer): Feeder {
  const tally: Tally = { heads: 0, bodyBytes: 0, messages: 0 };
  const HEX = new Int8Array(256).fill(-1);
  for (let c = 0; c < 16; c++) HEX[c.toString(16).charCodeAt(0)] = c;
  for (let c = 10; c < 16; c++) HEX[c.toString(16).toUpperCase().charCodeAt(0)] = c;
  return () => {
    tally.bodyBytes = 0;
    tally.messages = 0;
    const input = whole;
    let at = input.indexOf(CRLFCRLF) + 4;
    for (;;) {
      const eol = input.indexOf(13, at);
      let size = 0;
      for (let p = at; p < eol; p++) size = size * 16 + HEX[input[p]];
      at = eol + 2;
      if (size === 0) break;
      do_not_optimize(input.subarray(at, at + size));
      tally.bodyBytes += size;
      at += size + 2;
    }
    tally.messages = 1;
    return tally;
  };
}
