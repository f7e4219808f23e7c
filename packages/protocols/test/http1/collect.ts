/**
 * Test helpers: run an HTTP/1 machine over chunks and collect messages in
 * the shape of the conformance data (and of the peers in the differential tests).
 */
import { concatBytes, createDriver, type WiremachineError } from '@wiremachine/core';
import {
  type Http1Machine,
  type Http1Output,
  type MessageHead,
  parseChunkExtensions,
} from '@wiremachine/protocols/http1';

export interface Message {
  method?: string;
  url?: string;
  status?: number;
  reason?: string | null;
  version: string;
  headers: [string, string][];
  body: string;
  chunks: { size: number; extensions: [string, string | null][] }[];
  trailers: [string, string][];
  complete: boolean;
}

export interface Run {
  messages: Message[];
  /** The heads as emitted (framing decisions: `bodyKind`, `upgrade`, `protocol`...), one per message. */
  heads: MessageHead[];
  error: WiremachineError | null;
  upgraded: boolean;
  /** Driver state at the end ('head' means waiting for a head). */
  state: string;
  status: string;
  remaining: Uint8Array | null;
}

export const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
export const text = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');

/** Outputs folded into messages. */
export function collect(outputs: Http1Output[]): Message[] {
  const messages: Message[] = [];
  let m: Message | null = null;
  for (const o of outputs) {
    if (o.type === 'head') {
      m = {
        version: o.version,
        headers: o.headers.map(([n, v]) => [n, v]),
        body: '',
        chunks: [],
        trailers: [],
        complete: false,
      };
      if (o.kind === 'request') {
        m.method = o.method;
        m.url = o.url;
      } else {
        m.status = o.status;
        m.reason = o.reason;
      }
      messages.push(m);
    } else if (m !== null) {
      if (o.type === 'body') m.body += text(o.data);
      else if (o.type === 'chunk') m.chunks.push({ size: o.size, extensions: parseChunkExtensions(o.extensions) });
      else if (o.type === 'trailers') m.trailers = o.trailers.entries().map(([n, v]) => [n, v]);
      else if (o.type === 'end') m.complete = true;
    }
  }
  return messages;
}

/** Feed `chunks` to a fresh driver; `end` ends the input afterwards. */
export function run(machine: Http1Machine, chunks: Iterable<Uint8Array>, end = false): Run {
  const outputs: Http1Output[] = [];
  let error: WiremachineError | null = null;
  const driver = createDriver(machine, {
    onOutput: (o) => outputs.push(o as Http1Output),
    onError: (e) => {
      error = e;
    },
    maxBufferSize: 1 << 20,
  });
  const rest: Uint8Array[] = [];
  for (const c of chunks) {
    if (rest.length > 0 || driver.status !== 'running') rest.push(c);
    else if (!driver.feed(c)) rest.push(c);
  }
  if (end) driver.end();
  const upgraded = outputs.length > 0 && outputs[outputs.length - 1].type === 'upgrade';
  return {
    messages: collect(outputs),
    heads: outputs.filter((o): o is MessageHead => o.type === 'head'),
    error,
    upgraded,
    state: driver.state,
    status: driver.status,
    // What the next protocol gets after an upgrade: the unread bytes, then what was not fed.
    remaining: driver.status === 'done' ? concat([driver.remaining(), ...rest]) : null,
  };
}

const concat = concatBytes;

/** `input` cut into pieces of `size` bytes. */
export function* slices(input: Uint8Array, size: number): Generator<Uint8Array> {
  for (let i = 0; i < input.length; i += size) yield input.subarray(i, i + size);
}

/** A seeded PRNG (mulberry32), for sampling that replays. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
