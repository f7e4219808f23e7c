/**
 * The fuzzing targets: every shipped protocol, with seed inputs and the
 * limits it runs under.
 */

import type { FuzzOptions } from '@wiremachine/core/testing';
import { difference, runChunks } from '@wiremachine/core/testing';
import { createPgProtocol, encodeBackend, type PgMessage } from '@wiremachine/examples/postgres';
import { createFrameProtocol, encodeFrame } from '@wiremachine/examples/protocols/frame';
import { createLineProtocol } from '@wiremachine/examples/protocols/line';
import { closePayload, createWsProtocol, encodeFrame as encodeWsFrame } from '@wiremachine/examples/websocket';
import { createRequestMachine, createResponseMachine, LENIENT_FLAGS } from '@wiremachine/protocols/http1';
import * as tracker from '@wiremachine/protocols/tracker';
import type { AnyStateMachine } from 'xstate';

/** One target: a machine and how to fuzz it. */
export interface FuzzTarget {
  name: string;
  machine: AnyStateMachine;
  seeds: Uint8Array[];
  options?: Omit<FuzzOptions, 'seeds' | 'runs'>;
  /**
   * Targets of one family fuzz the same machine under different options
   * (strict and lenient): coverage is also reported as their union.
   */
  family?: string;
  /**
   * `false` when a short fuzzing run cannot take every transition (HTTP/1: its
   * machines are shared by requests and responses, and some transitions need
   * lenient options; packages/protocols/test/http1/coverage.test.ts covers
   * them all with chosen inputs).
   */
  coversAll?: boolean;
}

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

const HTTP_LIMITS = { maxHeadSize: 2048, maxHeaders: 32, maxUrlLength: 512, maxChunkExtensionsSize: 256 };
const CHUNKED_HEAD = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';

const REQUEST_SEEDS = [
  latin1('GET /a?b=c HTTP/1.1\r\nHost: example.org\r\nAccept: */*\r\n\r\n'),
  latin1('POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.0\r\n\r\n'),
  latin1('PUT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;n=v\r\nabc\r\n0\r\nT: 1\r\n\r\n'),
  latin1('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\nraw'),
  latin1('CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n'),
  latin1('POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi'),
];

const RESPONSE_SEEDS = [
  latin1('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 204 No Content\r\n\r\n'),
  latin1('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n'),
  latin1('HTTP/1.0 200 OK\r\n\r\nread until close'),
  latin1('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\nraw'),
  latin1('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;a=b\r\nwiki\r\n0\r\nX-T: 1\r\n\r\n'),
  latin1('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc'),
  latin1('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n'),
];

/** Every lenient flag, the options they leave strict, and small limits: what strict parsing refuses, here parsed. */
const HTTP_LENIENT = {
  ...HTTP_LIMITS,
  lenient: LENIENT_FLAGS,
  allowUnknownMethods: true,
  chunkHeaders: true,
  maxBodySize: 64,
};

/**
 * HTTP/1 field names, values and framing words the parser compares against
 * case-insensitively or by number: beside the literals of its modules, which
 * the fuzzer finds itself when they are instrumented.
 */
const HTTP_DICTIONARY = [
  'HTTP/1.1',
  'HTTP/1.0',
  'HTTP/2.0',
  'RTSP/1.0',
  'ICE/1.0',
  ' 200 OK',
  ' 101 ',
  ' 204 ',
  ' 304 ',
  ' 100 ',
  'Content-Length: ',
  'Transfer-Encoding: ',
  'chunked',
  'Connection: ',
  'close',
  'keep-alive',
  'upgrade',
  'Upgrade: ',
  'Expect: ',
  '100-continue',
  'Host: ',
  '\r\n\r\n',
  '0\r\n\r\n',
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
  ';ext="q"',
  '2001\r\n',
  '99999999999999999',
];

/** HTTP/1 requests, responses and chunked bodies, under small limits so the fuzzer meets them. */
const http: FuzzTarget[] = [
  {
    name: 'http1-request',
    family: 'http1-request',
    machine: createRequestMachine(HTTP_LIMITS),
    seeds: REQUEST_SEEDS,
    options: { maxBufferSize: 8192, dictionary: HTTP_DICTIONARY },
    coversAll: false,
  },
  {
    name: 'http1-request-lenient',
    family: 'http1-request',
    machine: createRequestMachine(HTTP_LENIENT),
    seeds: REQUEST_SEEDS,
    options: { maxBufferSize: 8192, dictionary: HTTP_DICTIONARY },
    coversAll: false,
  },
  {
    name: 'http1-response',
    family: 'http1-response',
    machine: createResponseMachine(HTTP_LIMITS),
    seeds: RESPONSE_SEEDS,
    options: { maxBufferSize: 8192, dictionary: HTTP_DICTIONARY },
    coversAll: false,
  },
  {
    name: 'http1-response-lenient',
    family: 'http1-response',
    // A client that sent HEAD for every request whose response says 203 (a body it must skip).
    machine: createResponseMachine({ ...HTTP_LENIENT, skipBody: (head) => 'status' in head && head.status === 203 }),
    seeds: [...RESPONSE_SEEDS, latin1('HTTP/1.1 203 OK\r\nContent-Length: 9\r\n\r\n')],
    options: { maxBufferSize: 8192, dictionary: HTTP_DICTIONARY },
    coversAll: false,
  },
  {
    name: 'http1-chunked',
    family: 'http1-response',
    machine: createResponseMachine(HTTP_LIMITS),
    seeds: [
      latin1(`${CHUNKED_HEAD}5\r\nhello\r\n0\r\n\r\n`),
      latin1(`${CHUNKED_HEAD}3;ext="q v"\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n`),
      latin1(`${CHUNKED_HEAD}2001\r\n${'x'.repeat(0x2001)}\r\n0\r\n\r\n`),
    ],
    // Room for a chunk over 8 KiB, which is streamed rather than read whole.
    options: { maxBufferSize: 16384, maxLength: 9000, dictionary: HTTP_DICTIONARY },
    coversAll: false,
  },
];

export const targets: FuzzTarget[] = [
  ...http,
  {
    name: 'line',
    machine: createLineProtocol({ maxLineBytes: 64 }),
    seeds: [latin1('HELO example.org\r\nQUIT\r\n'), latin1('\r\n'), latin1('x'.repeat(70))],
    options: { maxBufferSize: 256 },
  },
  {
    name: 'frame',
    machine: createFrameProtocol({ maxFrameBytes: 256 }),
    seeds: [encodeFrame(latin1('hello')), encodeFrame(new Uint8Array(0)), encodeFrame(new Uint8Array(300))],
    options: { maxBufferSize: 1024 },
  },
  ...examples(),
  {
    name: 'tracker-request',
    family: 'tracker-request',
    machine: tracker.requestMachine,
    seeds: trackerRequestSeeds(),
    options: {
      maxBufferSize: 2048,
      check: reparses<tracker.TrackerRequest>((p) => tracker.parseRequest(tracker.serializeRequest(p))),
    },
  },
  ...(['ipv4', 'ipv6'] as const).map((family) => ({
    name: `tracker-response-${family}`,
    family: `tracker-response-${family}`,
    machine: tracker.responseMachine(family),
    seeds: trackerResponseSeeds(family),
    options: {
      maxBufferSize: 2048,
      check: reparses<tracker.TrackerResponse>((p) =>
        tracker.parseResponse(tracker.serializeResponse(p, { family }), { family }),
      ),
    },
  })),
];

/** The PostgreSQL and WebSocket examples, under small limits so the fuzzer meets them. */
function examples(): FuzzTarget[] {
  const pg: PgMessage[] = [
    { type: 'authenticationMD5Password', salt: Uint8Array.of(1, 2, 3, 4) },
    { type: 'parameterStatus', name: 'client_encoding', value: 'UTF8' },
    {
      type: 'rowDescription',
      fields: [{ name: 'a', tableOid: 1, columnId: 1, typeOid: 23, typeSize: 4, typeModifier: -1, format: 0 }],
    },
    { type: 'dataRow', values: ['1', null, 'héllo'] },
    { type: 'errorResponse', fields: { severity: 'ERROR', code: '22012', message: 'division by zero' } },
    { type: 'readyForQuery', status: 'I' },
  ];
  const key = Uint8Array.of(1, 2, 3, 4);
  const ws = (opcode: number, payload: Uint8Array, fin = true) => encodeWsFrame({ opcode, payload, fin, mask: key });
  const joined = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
  const pgMachine = createPgProtocol({ maxMessageBytes: 512 });
  const mask = (source: Uint8Array, m: Uint8Array, output: Uint8Array, offset: number, length: number) => {
    for (let i = 0; i < length; i++) output[offset + i] = source[i] ^ m[i & 3];
  };
  const wsMasked = createWsProtocol({ maxMessageBytes: 8000, mask });
  const wsReference = createWsProtocol({ maxMessageBytes: 8000 });
  return [
    {
      name: 'postgres',
      machine: pgMachine,
      seeds: [joined(pg.map(encodeBackend)), ...pg.map(encodeBackend)],
      options: {
        maxBufferSize: 2048,
        // What the parser read encodes back to bytes that parse to the same messages.
        check: (_input, outputs, error) => {
          if (error !== null || outputs.length === 0) return;
          const again = runChunks(pgMachine, [joined(outputs.map((m) => encodeBackend(m as PgMessage)))]);
          const d = difference(again.outputs, outputs, 'outputs');
          if (d !== null) throw new Error(`parse(encode(messages)) differs at ${d}`);
        },
      },
    },
    {
      name: 'websocket',
      machine: createWsProtocol({ maxMessageBytes: 300, masking: 'optional' }),
      seeds: [
        joined([ws(1, latin1('hello')), ws(2, new Uint8Array(200), false), ws(9, latin1('p')), ws(0, latin1('x'))]),
        ws(8, closePayload(1000, 'bye')),
        Uint8Array.of(0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0),
      ],
      options: { maxBufferSize: 1024 },
      // A 64-bit length is 65,536 bytes or more: past this run's limits (examples/test/websocket.test.ts takes it).
      coversAll: false,
    },
    {
      // Payloads over 1 KiB, read into buffers of their own and unmasked as they are copied in
      // (the mask option, bufferutil's mask in JS): the same messages and errors as without it.
      name: 'websocket-mask',
      machine: wsMasked,
      seeds: [
        joined([ws(2, new Uint8Array(1500).fill(7), false), ws(9, latin1('p')), ws(0, new Uint8Array(5000).fill(9))]),
        ws(1, new Uint8Array(4500).fill(0x61)),
      ],
      options: {
        maxBufferSize: 16384,
        check: (input, outputs, error) => {
          const plain = runChunks(wsReference, [input]);
          const d =
            difference(outputs, plain.outputs, 'outputs') ?? difference(error?.code, plain.error?.code, 'error');
          if (d !== null) throw new Error(`with the mask option, parsing differs at ${d}`);
        },
      },
      coversAll: false,
    },
  ];
}

/** Cut `packet` to each of `lengths`: the datagram ending inside each field. */
function prefixes(packet: Uint8Array, lengths: number[]): Uint8Array[] {
  return lengths.map((n) => packet.slice(0, n));
}

function cat(...parts: Array<Uint8Array | number[]>): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

/** Valid requests of every kind and option, and one datagram for each way a request can be refused. */
function trackerRequestSeeds(): Uint8Array[] {
  const connect = tracker.serializeRequest({ type: 'connect', transactionId: 7 });
  const announce = tracker.serializeRequest({
    type: 'announce',
    connectionId: 0x41727101980n,
    transactionId: 1,
    infoHash: new Uint8Array(20).fill(0xaa),
    peerId: latin1('-lt2000-abcdefghijkl'),
    downloaded: 0n,
    left: 1000n,
    uploaded: 0n,
    event: 'started',
    ip: null,
    key: 42,
    numWant: -1,
    port: 6881,
  });
  const bep41 = cat(announce, [2, 12], latin1('/dir?a=b&c=d'), [1, 1, 0]);
  const scrape = tracker.serializeRequest({
    type: 'scrape',
    connectionId: 5n,
    transactionId: 2,
    infoHashes: [new Uint8Array(20), new Uint8Array(20).fill(1)],
  });
  return [
    connect,
    cat(connect, [0]),
    cat([0, 0, 4, 0x17, 0x27, 0x10, 0x19, 0x81], connect.subarray(8)),
    cat(connect.subarray(0, 8), [0, 0, 0, 9], connect.subarray(12)),
    announce,
    bep41,
    cat(announce, [0, 0]),
    cat(announce, [2, 0, 9, 2, 1, 2, 2, 5, 0x2f]),
    cat(announce, [2]),
    cat(announce.subarray(0, 80), [0, 0, 0, 7], announce.subarray(84)),
    // The first event number past the known ones (0 to 3).
    cat(announce.subarray(0, 80), [0, 0, 0, 4], announce.subarray(84)),
    scrape,
    scrape.subarray(0, 16),
    scrape.subarray(0, 41),
    ...prefixes(announce, [0, 4, 10, 14, 20, 40, 60, 68, 76, 82, 86, 90, 94, 97]),
  ];
}

/** Valid responses of every kind, opentracker's short ones, and one datagram for each way a response can be refused. */
function trackerResponseSeeds(family: 'ipv4' | 'ipv6'): Uint8Array[] {
  const write = (r: Parameters<typeof tracker.serializeResponse>[0]) => tracker.serializeResponse(r, { family });
  const peers =
    family === 'ipv4'
      ? [
          { ip: '127.0.0.1', port: 6881 },
          { ip: '10.0.0.2', port: 51413 },
        ]
      : [
          { ip: '::1', port: 6881 },
          { ip: '2001:db8::1', port: 51413 },
        ];
  const announce = write({ type: 'announce', transactionId: 1, interval: 1800, leechers: 3, seeders: 5, peers });
  const connect = write({ type: 'connect', transactionId: 7, connectionId: 0x1234n });
  const entries = [{ seeders: 1, completed: 2, leechers: 3 }];
  const scrape = write({ type: 'scrape', transactionId: 2, entries });
  return [
    connect,
    cat(connect, [1, 2, 3]),
    announce,
    announce.subarray(0, 8),
    announce.subarray(0, 23),
    scrape,
    cat(scrape, [0, 0]),
    cat(write({ type: 'error', transactionId: 3, message: 'Connection ID missmatch.' }), [0]),
    cat([0, 0, 0, 4], connect.subarray(4)),
    ...prefixes(connect, [0, 2, 6, 12]),
    ...prefixes(announce, [10, 14, 18]),
  ];
}

/** A check that the packet a datagram gave serializes to bytes that parse to the same packet. */
function reparses<T>(again: (packet: T) => T) {
  return (_input: Uint8Array, outputs: unknown[], error: unknown) => {
    if (error !== null || outputs.length === 0) return;
    if (outputs.length > 1) throw new Error(`one datagram gave ${outputs.length} packets`);
    const d = difference(again(outputs[0] as T), outputs[0], 'packet');
    if (d !== null) throw new Error(`parse(serialize(packet)) differs from the packet at ${d}`);
  };
}

/** The target called `name`, or an error that lists them. */
export function target(name: string): FuzzTarget {
  const found = targets.find((t) => t.name === name);
  if (found === undefined)
    throw new Error(`no fuzz target "${name}"; targets: ${targets.map((t) => t.name).join(', ')}`);
  return found;
}
