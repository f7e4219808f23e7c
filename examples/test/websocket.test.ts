import { once } from 'node:events';
import { connect } from 'node:net';
import {
  checkLaw,
  chunkInvariance,
  declaredTransitions,
  executorsAgree,
  mutated,
  roundTrip,
  runChunks,
  transitionCoverage,
  typedRejection,
} from '@wiremachine/core/testing';
import { createServer, type HttpServer } from '@wiremachine/http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import {
  acceptWebSocket,
  closePayload,
  connectWebSocket,
  createWsProtocol,
  encodeFrame,
  type FrameSpec,
  OPCODE,
  type WebSocketConnection,
  type WsOutput,
} from '../src/websocket/index.js';

const utf8 = new TextEncoder();
const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
const frame = (f: Partial<FrameSpec> & { opcode: number }) =>
  encodeFrame({ payload: new Uint8Array(0), mask: key, ...f });
const cat = (...parts: Uint8Array[]) => Buffer.concat(parts);
const server = createWsProtocol({ maxMessageBytes: 1000 });
const client = createWsProtocol({ masking: 'forbidden' });

/** Outputs as plain data: the text message class as its bytes and text. */
const plain = (outs: unknown[]) =>
  outs.map((o) => {
    const w = o as WsOutput;
    if (w.type === 'text') return { type: 'text', data: Buffer.from(w.data).toString('hex'), text: w.text, rsv: w.rsv };
    if (w.type === 'close') return w;
    return { ...w, data: Buffer.from(w.data).toString('hex') };
  });

const codeOf = (machine: ReturnType<typeof createWsProtocol>, bytes: Uint8Array) =>
  runChunks(machine, [bytes]).error?.code;

describe('WebSocket frames: the rules of RFC 6455', () => {
  test('messages, fragments with control frames between them, and close', () => {
    const input = cat(
      frame({ opcode: OPCODE.text, payload: utf8.encode('hé') }),
      frame({ opcode: OPCODE.binary, payload: Uint8Array.of(1, 2), fin: false }),
      frame({ opcode: OPCODE.ping, payload: utf8.encode('p') }),
      frame({ opcode: OPCODE.continuation, payload: Uint8Array.of(3), fin: false }),
      frame({ opcode: OPCODE.pong }),
      frame({ opcode: OPCODE.continuation, payload: Uint8Array.of(4) }),
      // A text message split inside a UTF-8 sequence (☃ is e2 98 83).
      frame({ opcode: OPCODE.text, payload: Uint8Array.of(0xe2, 0x98), fin: false }),
      frame({ opcode: OPCODE.continuation, payload: Uint8Array.of(0x83) }),
      frame({ opcode: OPCODE.close, payload: closePayload(4001, 'bye ✓') }),
    );
    const out = runChunks(server, [input]);
    expect(out.error).toBeNull();
    expect(plain(out.outputs)).toEqual([
      { type: 'text', data: '68c3a9', text: 'hé', rsv: 0 },
      { type: 'ping', data: '70' },
      { type: 'pong', data: '' },
      { type: 'binary', data: '01020304', rsv: 0 },
      { type: 'text', data: 'e29883', text: '☃', rsv: 0 },
      { type: 'close', code: 4001, reason: 'bye ✓' },
    ]);
  });

  test('7-, 16- and 64-bit lengths', () => {
    for (const n of [0, 125, 126, 65535, 65536, 70000]) {
      const payload = new Uint8Array(n).map((_, i) => i * 7);
      const machine = createWsProtocol();
      const out = runChunks(machine, [frame({ opcode: OPCODE.binary, payload })]);
      expect(out.error).toBeNull();
      expect(Buffer.compare(Buffer.from((out.outputs[0] as { data: Uint8Array }).data), Buffer.from(payload))).toBe(0);
    }
  });

  test.each([
    ['RSV1 with no extension', frame({ opcode: OPCODE.text, rsv: 0x40 }), 'WS_RSV'],
    ['RSV3 with no extension', frame({ opcode: OPCODE.binary, rsv: 0x10 }), 'WS_RSV'],
    ['reserved data opcode 3', frame({ opcode: 3 }), 'WS_BAD_OPCODE'],
    ['reserved control opcode 11', frame({ opcode: 11 }), 'WS_BAD_OPCODE'],
    ['a fragmented ping', frame({ opcode: OPCODE.ping, fin: false }), 'WS_CONTROL_FRAGMENTED'],
    ['a 126-byte ping', frame({ opcode: OPCODE.ping, payload: new Uint8Array(126) }), 'WS_CONTROL_TOO_LONG'],
    ['a continuation first', frame({ opcode: OPCODE.continuation }), 'WS_UNEXPECTED_CONTINUATION'],
    [
      'a new message inside a fragmented one',
      cat(frame({ opcode: OPCODE.text, fin: false }), frame({ opcode: OPCODE.text })),
      'WS_EXPECTED_CONTINUATION',
    ],
    ['an unmasked frame from a client', frame({ opcode: OPCODE.text, mask: null }), 'WS_MASK_REQUIRED'],
    ['a 16-bit length under 126', Uint8Array.of(0x82, 0xfe, 0, 125), 'WS_NON_MINIMAL_LENGTH'],
    ['a 64-bit length under 65536', Uint8Array.of(0x82, 0xff, 0, 0, 0, 0, 0, 0, 0xff, 0xff), 'WS_NON_MINIMAL_LENGTH'],
    ['a 64-bit length with its top bit', Uint8Array.of(0x82, 0xff, 0x80, 0, 0, 0, 0, 1, 0, 0), 'WS_BAD_LENGTH'],
    ['a message over the limit, on its head', Uint8Array.of(0x82, 0xfe, 0x03, 0xe9), 'WS_MESSAGE_TOO_BIG'],
    [
      'fragments over the limit together',
      cat(
        frame({ opcode: OPCODE.binary, payload: new Uint8Array(600), fin: false }),
        frame({ opcode: OPCODE.continuation, payload: new Uint8Array(401) }),
      ),
      'WS_MESSAGE_TOO_BIG',
    ],
    ['invalid UTF-8', frame({ opcode: OPCODE.text, payload: Uint8Array.of(0xc3, 0x28) }), 'WS_INVALID_UTF8'],
    [
      'invalid UTF-8 across fragments (a sequence never finished)',
      cat(
        frame({ opcode: OPCODE.text, payload: Uint8Array.of(0x61, 0xe2), fin: false }),
        frame({ opcode: OPCODE.continuation, payload: Uint8Array.of(0x98) }),
      ),
      'WS_INVALID_UTF8',
    ],
    [
      'a surrogate in UTF-8',
      frame({ opcode: OPCODE.text, payload: Uint8Array.of(0xed, 0xa0, 0x80) }),
      'WS_INVALID_UTF8',
    ],
    ['a close body of one byte', frame({ opcode: OPCODE.close, payload: Uint8Array.of(3) }), 'WS_BAD_CLOSE'],
    ['close code 1005', frame({ opcode: OPCODE.close, payload: closePayload(1005) }), 'WS_BAD_CLOSE_CODE'],
    ['close code 999', frame({ opcode: OPCODE.close, payload: closePayload(999) }), 'WS_BAD_CLOSE_CODE'],
    ['close code 5000', frame({ opcode: OPCODE.close, payload: closePayload(5000) }), 'WS_BAD_CLOSE_CODE'],
    [
      'a close reason not UTF-8',
      frame({ opcode: OPCODE.close, payload: cat(closePayload(1000), Uint8Array.of(0xff)) }),
      'WS_INVALID_UTF8',
    ],
    [
      'a frame after close',
      cat(frame({ opcode: OPCODE.close }), frame({ opcode: OPCODE.ping })),
      'WS_DATA_AFTER_CLOSE',
    ],
    [
      'the input ends inside a frame',
      frame({ opcode: OPCODE.text, payload: utf8.encode('abc') }).subarray(0, 7),
      'WS_TRUNCATED',
    ],
    ['the input ends inside a message', frame({ opcode: OPCODE.text, fin: false }), 'WS_TRUNCATED'],
  ])('%s', (_what, bytes, code) => {
    expect(codeOf(server, bytes)).toBe(code);
  });

  test('a native unmask, given as an option, takes payloads of 64 bytes and more', () => {
    const calls: number[] = [];
    const machine = createWsProtocol({
      unmask: (p, m) => {
        calls.push(p.length);
        for (let i = 0; i < p.length; i++) p[i] ^= m[i & 3];
      },
    });
    const payloads = [10, 64, 1000, 70_000].map((n) => new Uint8Array(n).map((_, i) => i * 31));
    const out = runChunks(machine, [cat(...payloads.map((payload) => frame({ opcode: OPCODE.binary, payload })))]);
    expect(out.outputs.map((o) => Buffer.from((o as { data: Uint8Array }).data).toString('hex'))).toEqual(
      payloads.map((p) => Buffer.from(p).toString('hex')),
    );
    expect(calls).toEqual([64, 1000, 70_000]);
  });

  test('a native mask, given as an option, unmasks each payload as it is copied out of the input', () => {
    // bufferutil's mask, in JS: source[0, length) XOR mask into output at offset.
    const calls: { length: number; fromInput: boolean }[] = [];
    let input = new Uint8Array(0);
    const mask = (source: Uint8Array, m: Uint8Array, output: Uint8Array, offset: number, length: number) => {
      calls.push({ length, fromInput: source.buffer === input.buffer });
      for (let i = 0; i < length; i++) output[offset + i] = source[i] ^ m[i & 3];
    };
    const sizes = [0, 10, 63, 64, 125, 126, 1000, 1024, 1025, 4095, 4096, 5000, 65535, 65536, 70_000];
    const payloads = sizes.map((n) => new Uint8Array(n).map((_, i) => i * 29 + (n & 0xff)));
    input = cat(...payloads.map((payload) => frame({ opcode: OPCODE.binary, payload })));
    const before = Buffer.from(input);
    const hex = (outs: unknown[]) => outs.map((o) => Buffer.from((o as { data: Uint8Array }).data).toString('hex'));
    for (const size of [input.length, 65536, 5000, 1460, 7]) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < input.length; at += size) chunks.push(input.subarray(at, at + size));
      calls.length = 0;
      const out = runChunks(createWsProtocol({ mask }), chunks);
      expect(out.error).toBeNull();
      expect(hex(out.outputs)).toEqual(payloads.map((p) => Buffer.from(p).toString('hex')));
      expect(Buffer.compare(input, before)).toBe(0);
      for (const o of out.outputs) expect((o as { data: Uint8Array }).data.buffer).not.toBe(input.buffer);
      if (size === input.length) {
        // Whole in the input, each payload of 64 bytes and more is unmasked in one call. From
        // 4 KiB up, that call copies it out of the input: one pass, not a copy and then another.
        expect(calls.map((c) => c.length)).toEqual(sizes.filter((n) => n >= 64));
        expect(calls.filter((c) => c.fromInput).map((c) => c.length)).toEqual(
          sizes.filter((n) => n >= 64 && (n <= 1024 || n >= 4096)),
        );
      }
    }
  });

  test('a native mask: the laws hold for payloads that are read into buffers of their own', () => {
    const mask = (source: Uint8Array, m: Uint8Array, output: Uint8Array, offset: number, length: number) => {
      for (let i = 0; i < length; i++) output[offset + i] = source[i] ^ m[i & 3];
    };
    const machine = createWsProtocol({ mask, maxMessageBytes: 1 << 20 });
    // Binary messages of 1 to 3 fragments of up to 9,000 bytes (most over 1 KiB), pings between.
    const part = fc.tuple(fc.integer({ min: 0, max: 9000 }), fc.nat(255)).map(([n, seed]) => {
      const p = new Uint8Array(n);
      for (let i = 0; i < n; i++) p[i] = (i * 7 + seed) & 0xff;
      return p;
    });
    const big = fc.record({
      messages: fc.array(
        fc.record({
          binary: fc.constant(true),
          parts: fc.array(part, { minLength: 1, maxLength: 3 }),
          between: fc.array(control, { maxLength: 2 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      close: fc.constant(null),
      keys: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    });
    checkLaw(roundTrip(machine, big, encodeSession, { expected: expectedOutputs, normalize: plain }), {
      seed: 6455,
      numRuns: 40,
    });
  });

  test('the input is never written: payloads are unmasked into buffers of their own', () => {
    const payloads = [0, 3, 20, 125, 126, 1024, 1025, 65536, 70_000].map((n) =>
      new Uint8Array(n).map((_, i) => i * 13),
    );
    const input = cat(...payloads.map((payload) => frame({ opcode: OPCODE.binary, payload })));
    const before = Buffer.from(input);
    for (const size of [input.length, 1460, 7]) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < input.length; at += size) chunks.push(input.subarray(at, at + size));
      const out = runChunks(createWsProtocol(), chunks);
      expect(out.error).toBeNull();
      expect(out.outputs.map((o) => Buffer.from((o as { data: Uint8Array }).data).toString('hex'))).toEqual(
        payloads.map((p) => Buffer.from(p).toString('hex')),
      );
      expect(Buffer.compare(input, before)).toBe(0);
      // No payload shares memory with the input.
      for (const o of out.outputs) expect((o as { data: Uint8Array }).data.buffer).not.toBe(input.buffer);
    }
  });

  test('a 64-bit length just under 2^63 is over the limit, not a length with its top bit', () => {
    const head = Uint8Array.of(0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    expect(codeOf(server, head)).toBe('WS_MESSAGE_TOO_BIG');
    expect(codeOf(server, Uint8Array.of(0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0))).toBe('WS_BAD_LENGTH');
    expect(codeOf(server, Uint8Array.of(0x82, 0xff, 0, 0, 0, 0, 0, 0, 0xff, 0xff))).toBe('WS_NON_MINIMAL_LENGTH');
  });

  test('masking forbidden from a server, optional by choice; RSV allowed for an extension', () => {
    expect(codeOf(client, frame({ opcode: OPCODE.text }))).toBe('WS_MASK_FORBIDDEN');
    expect(codeOf(client, frame({ opcode: OPCODE.text, mask: null }))).toBeUndefined();
    const optional = createWsProtocol({ masking: 'optional' });
    expect(runChunks(optional, [cat(frame({ opcode: 2 }), frame({ opcode: 2, mask: null }))]).outputs.length).toBe(2);
    const rsv1 = createWsProtocol({ allowedRsv: 0x40 });
    const out = runChunks(rsv1, [frame({ opcode: OPCODE.binary, rsv: 0x40, payload: Uint8Array.of(9) })]);
    expect(plain(out.outputs)).toEqual([{ type: 'binary', data: '09', rsv: 0x40 }]);
    expect(codeOf(rsv1, frame({ opcode: OPCODE.ping, rsv: 0x40 }))).toBe('WS_RSV');
    expect(codeOf(rsv1, frame({ opcode: OPCODE.binary, rsv: 0x20 }))).toBe('WS_RSV');
  });
});

// Streams of messages, each cut into fragments with control frames between them, masked.
interface Msg {
  binary: boolean;
  parts: Uint8Array[];
  between: { opcode: number; payload: Uint8Array }[];
}
const control = fc.record({
  opcode: fc.constantFrom(OPCODE.ping, OPCODE.pong),
  payload: fc.uint8Array({ maxLength: 125 }),
});
const msg: fc.Arbitrary<Msg> = fc.oneof(
  fc.record({
    binary: fc.constant(true),
    parts: fc.array(fc.uint8Array({ maxLength: 140 }), { minLength: 1, maxLength: 4 }),
    between: fc.array(control, { maxLength: 3 }),
  }),
  fc.record({
    binary: fc.constant(false),
    parts: fc
      .tuple(fc.string({ unit: 'binary', maxLength: 60 }), fc.array(fc.nat(), { maxLength: 3 }))
      .map(([s, cuts]) => {
        const b = utf8.encode(s);
        const at = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
        return [0, ...at].map((from, i) => b.subarray(from, i + 1 < at.length + 1 ? [...at, b.length][i] : b.length));
      }),
    between: fc.array(control, { maxLength: 3 }),
  }),
);
const session = fc.record({
  messages: fc.array(msg, { maxLength: 4 }),
  close: fc.option(fc.record({ code: fc.constantFrom(1000, 1001, 3000, 4999), reason: fc.string({ maxLength: 20 }) })),
  keys: fc.uint8Array({ minLength: 4, maxLength: 4 }),
});
type Session = typeof session extends fc.Arbitrary<infer T> ? T : never;

function encodeSession(s: Session): Uint8Array {
  const out: Uint8Array[] = [];
  for (const m of s.messages) {
    m.parts.forEach((p, i) => {
      const fin = i === m.parts.length - 1;
      out.push(encodeFrame({ opcode: i === 0 ? (m.binary ? 2 : 1) : 0, payload: p, fin, mask: s.keys }));
      if (!fin) for (const c of m.between) out.push(encodeFrame({ ...c, mask: s.keys }));
    });
  }
  if (s.close)
    out.push(encodeFrame({ opcode: OPCODE.close, payload: closePayload(s.close.code, s.close.reason), mask: s.keys }));
  return cat(...out);
}
function expectedOutputs(s: Session): unknown[] {
  const out: unknown[] = [];
  for (const m of s.messages) {
    for (let i = 0; i < m.parts.length - 1; i++)
      for (const c of m.between) out.push({ type: c.opcode === 9 ? 'ping' : 'pong', data: c.payload });
    const data = cat(...m.parts);
    out.push(
      m.binary
        ? { type: 'binary', data: new Uint8Array(data), rsv: 0 }
        : { type: 'text', data: new Uint8Array(data), text: data.toString('utf8'), rsv: 0 },
    );
  }
  if (s.close) out.push({ type: 'close', code: s.close.code, reason: s.close.reason });
  return plain(out);
}

describe('WebSocket frames: laws and coverage', () => {
  const machine = createWsProtocol({ maxMessageBytes: 4096 });
  const stream = session.map(encodeSession);
  const params = { seed: 6455, numRuns: 150 };

  test('laws: round trip, chunk invariance, executors agree, typed rejection', () => {
    checkLaw(roundTrip(machine, session, encodeSession, { expected: expectedOutputs, normalize: plain }), params);
    checkLaw(chunkInvariance(machine, fc.oneof(stream, mutated(stream)), { normalize: plain }), params);
    checkLaw(executorsAgree(machine, fc.oneof(stream, mutated(stream)), { normalize: plain }), {
      ...params,
      numRuns: 60,
    });
    checkLaw(typedRejection(machine, fc.oneof(mutated(stream), fc.uint8Array({ maxLength: 100 }))), params);
  });

  test('every declared transition is taken', () => {
    const m = createWsProtocol({ maxMessageBytes: 100_000 });
    const inputs = [
      cat(
        frame({ opcode: 1, payload: utf8.encode('a') }),
        frame({ opcode: 2, payload: new Uint8Array(200) }),
        frame({ opcode: 2, payload: new Uint8Array(70_000) }),
        frame({ opcode: 2, fin: false }),
        frame({ opcode: 9 }),
        frame({ opcode: 10 }),
        frame({ opcode: 0 }),
        frame({ opcode: 8 }),
      ),
      Uint8Array.of(0x82, 0xfe, 0, 1),
      Uint8Array.of(0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0),
      cat(frame({ opcode: 8 }), frame({ opcode: 8 })),
      Uint8Array.of(0x82, 0xfe, 0, 1, 0),
      Uint8Array.of(0x82, 0xfe, 0),
      Uint8Array.of(0x82, 0xfe, 0, 125),
      Uint8Array.of(0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0),
      Uint8Array.of(0x82, 0xff, 0, 0, 0, 0, 0, 1),
      Uint8Array.of(0x82, 0xff, 0, 0, 0, 0, 0, 0, 0, 1),
      Uint8Array.of(0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2),
      Uint8Array.of(0x82, 0x81, 1),
      Uint8Array.of(0x82, 0x81, 1, 2, 3, 4),
      frame({ opcode: 2, fin: false }),
    ];
    const unmaskedSide = createWsProtocol({ masking: 'optional' });
    const report = transitionCoverage(m, inputs);
    const optional = transitionCoverage(unmaskedSide, [
      cat(
        Uint8Array.of(0x82, 0x01, 7),
        Uint8Array.of(0x82, 0x7e, 0, 200),
        new Uint8Array(200),
        Uint8Array.of(0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0),
        new Uint8Array(65536),
      ),
    ]);
    // The unmasked branches are taken by a parser that allows unmasked frames.
    const missed = report.missed.filter((t) => optional.missed.includes(t));
    expect(missed).toEqual([]);
    expect(report.total).toBe(declaredTransitions(m).length);
  });
});

describe('WebSocket against ws, both ways', () => {
  let http: HttpServer;
  let port = 0;
  const accepted: WebSocketConnection[] = [];
  let wss: WebSocketServer;
  let wssPort = 0;
  const serverEvents: unknown[] = [];

  beforeAll(async () => {
    // Our server: echoes every message, records close codes.
    http = createServer((_req, res) => res.end('not a WebSocket'), {
      onUpgrade: (req, socket, head) => {
        const conn = socket && acceptWebSocket(req, socket, head, { maxMessageBytes: 2 * 1024 * 1024 });
        if (!conn) return;
        accepted.push(conn);
        conn.on('message', (m) => conn.send(m.type === 'text' ? m.text : m.data));
        conn.on('close', (code, reason) => serverEvents.push({ close: code, reason }));
      },
    });
    await http.listen({ port: 0, host: '127.0.0.1' });
    port = http.port;
    // ws's server: echoes, and closes with 1001 on the text "go away".
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    wssPort = (wss.address() as { port: number }).port;
    wss.on('connection', (sock) => {
      sock.on('message', (data, isBinary) => {
        if (!isBinary && data.toString() === 'go away') sock.close(1001, 'leaving');
        else sock.send(data, { binary: isBinary });
      });
    });
  });
  afterAll(async () => {
    for (const c of accepted) c.close(1001);
    await http?.close();
    if (wss) await new Promise((r) => wss.close(r));
  });

  /** The next `n` messages a ws client receives. */
  function received(ws: WebSocket, n: number) {
    return new Promise<{ data: Buffer; binary: boolean }[]>((resolve) => {
      const got: { data: Buffer; binary: boolean }[] = [];
      const on = (data: Buffer, binary: boolean) => {
        got.push({ data, binary });
        if (got.length === n) {
          ws.off('message', on);
          resolve(got);
        }
      };
      ws.on('message', on);
    });
  }

  test('a ws client against our server: text, binary, 1 MiB, fragments, ping/pong, close with a code', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`);
    await once(ws, 'open');
    const big = Buffer.alloc(1024 * 1024, 0).map((_, i) => (i * 13) & 0xff);
    const replies = received(ws, 4);
    ws.send('héllo ☃');
    ws.send(Buffer.from([0, 1, 2, 255]));
    ws.send(big);
    // A fragmented text message, a ping between its fragments.
    ws.send('frag', { fin: false });
    ws.ping('between');
    ws.send('mented', { fin: true });
    const pong = once(ws, 'pong');
    const got = await replies;
    expect(got[0]).toEqual({ data: Buffer.from('héllo ☃'), binary: false });
    expect(got[1]).toEqual({ data: Buffer.from([0, 1, 2, 255]), binary: true });
    expect(got[2].binary).toBe(true);
    expect(Buffer.compare(got[2].data, big)).toBe(0);
    expect(got[3]).toEqual({ data: Buffer.from('fragmented'), binary: false });
    expect(String((await pong)[0])).toBe('between');
    const closed = once(ws, 'close');
    ws.close(4001, 'done here');
    const [code, reason] = await closed;
    expect([code, String(reason)]).toEqual([4001, 'done here']);
    await expect.poll(() => serverEvents).toContainEqual({ close: 4001, reason: 'done here' });
  });

  test('a ws client refused: no key, and a wrong version', async () => {
    const raw = (head: string) =>
      new Promise<string>((resolve) => {
        const s = connect({ host: '127.0.0.1', port }, () => s.write(head));
        let text = '';
        s.on('data', (d) => {
          text += d;
        });
        s.on('close', () => resolve(text));
      });
    const base = 'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n';
    expect(await raw(`${base}Sec-WebSocket-Version: 13\r\n\r\n`)).toMatch(/^HTTP\/1.1 400/);
    expect(await raw(`${base}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n`)).toMatch(
      /^HTTP\/1.1 426[\s\S]*Sec-WebSocket-Version: 13/,
    );
  });

  test('a ws client that breaks the protocol is closed with 1007 (invalid UTF-8)', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await once(ws, 'open');
    const closed = once(ws, 'close');
    // ws sends what it is given as a text frame's bytes, unchecked.
    ws.send(Buffer.from([0xc3, 0x28]), { binary: false });
    const [code] = await closed;
    expect(code).toBe(1007);
  });

  test('our client against a ws server: text, binary, fragments with a ping between, ping/pong, close both ways', async () => {
    const conn = await connectWebSocket(`ws://127.0.0.1:${wssPort}/`);
    const messages: { type: string; text?: string; data: Uint8Array }[] = [];
    conn.on('message', (m) => messages.push(m.type === 'text' ? { type: 'text', text: m.text, data: m.data } : m));
    conn.send('héllo');
    conn.send(Uint8Array.of(9, 8, 7));
    conn.send(new Uint8Array(200_000).fill(5));
    conn.sendFrame(OPCODE.text, utf8.encode('one '), false);
    conn.ping(utf8.encode('mid'));
    conn.sendFrame(OPCODE.continuation, utf8.encode('two'), true);
    const [pong] = await once(conn, 'pong');
    expect(Buffer.from(pong).toString()).toBe('mid');
    await expect.poll(() => messages.length).toBe(4);
    expect(messages[0]).toMatchObject({ type: 'text', text: 'héllo' });
    expect(messages[1].type).toBe('binary');
    expect([...messages[1].data]).toEqual([9, 8, 7]);
    expect(messages[2].data.length).toBe(200_000);
    expect(messages[2].data.every((b) => b === 5)).toBe(true);
    expect(messages[3]).toMatchObject({ type: 'text', text: 'one two' });
    // The server closes: our client echoes 1001 and sees TCP end.
    const closed = once(conn, 'close');
    conn.send('go away');
    expect(await closed).toEqual([1001, 'leaving']);
    expect(conn.state).toBe('closed');
  });

  test('our client closes: the ws server hears the code', async () => {
    const conn = await connectWebSocket(`ws://127.0.0.1:${wssPort}/`);
    const [sock] = wss.clients.size ? [[...wss.clients].at(-1)] : await once(wss, 'connection');
    const serverClosed = once(sock as WebSocket, 'close');
    const closed = once(conn, 'close');
    conn.close(3000, 'bye');
    const [code, reason] = await serverClosed;
    expect([code, String(reason)]).toEqual([3000, 'bye']);
    expect((await closed)[0]).toBe(3000);
  });

  test('our client against our server', async () => {
    const conn = await connectWebSocket(`ws://127.0.0.1:${port}/`);
    const msg = once(conn, 'message');
    conn.send('round');
    expect((await msg)[0].text).toBe('round');
    const closed = once(conn, 'close');
    conn.close(1000);
    expect((await closed)[0]).toBe(1000);
  });
});
