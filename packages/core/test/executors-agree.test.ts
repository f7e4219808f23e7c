/**
 * Property: the compiled executor and the xstate executor, fed the same bytes
 * cut the same way, produce the same outputs, end the same way (the same
 * error code, offset and state, or no error) and leave the same bytes unread.
 * Inputs are mostly valid, sometimes mutated, truncated or random.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type AnyStateMachine, and, assign, emit, not, setup } from 'xstate';
import { createFrameProtocol, encodeFrame } from '../../../examples/src/protocols/frame.js';
import { createLineProtocol } from '../../../examples/src/protocols/line.js';
import type { ExecutorKind } from '../src/index.js';
import { createDriver, fail, streamBytes, until } from '../src/index.js';

const RUNS = 200;
const bytesOf = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const txt = (b: Uint8Array) => String.fromCharCode(...b);

function feedAll(machine: AnyStateMachine, executor: ExecutorKind, input: Uint8Array, sizes: number[]) {
  const outputs: unknown[] = [];
  const driver = createDriver(machine, { executor, onOutput: (o) => outputs.push(o), onError: () => {} });
  for (let at = 0, i = 0; at < input.length; i++) {
    const size = sizes[i % sizes.length];
    driver.feed(input.slice(at, at + size));
    at += size;
  }
  driver.end();
  const e = driver.error as { code: string; offset?: number; state?: string } | null;
  return {
    outputs,
    status: driver.status,
    error: e && { code: e.code, offset: e.offset, state: e.state },
    unread: driver.status === 'running' ? null : Array.from(driver.remaining()),
  };
}

type Mutation = { kind: 'flip' | 'insert' | 'delete' | 'truncate'; at: number; byte: number };

function mutate(valid: number[], mutations: Mutation[]): number[] {
  const out = [...valid];
  for (const { kind, at, byte } of mutations) {
    const i = at % (out.length + 1);
    if (kind === 'insert') out.splice(i, 0, byte);
    else if (kind === 'truncate') out.length = i;
    else if (i < out.length) {
      if (kind === 'flip') out[i] = byte;
      else out.splice(i, 1);
    }
  }
  return out;
}

/** Mostly `valid` inputs; some mutated (a byte flipped, inserted or deleted, a cut), some random. */
function inputs(valid: fc.Arbitrary<number[]>, alphabet: number[]): fc.Arbitrary<Uint8Array> {
  const byte = fc.constantFrom(...alphabet);
  const mutation = fc.record({ kind: fc.constantFrom('flip', 'insert', 'delete', 'truncate'), at: fc.nat(), byte });
  return fc
    .oneof(
      { weight: 6, arbitrary: valid },
      {
        weight: 3,
        arbitrary: fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([v, m]) => mutate(v, m)),
      },
      { weight: 1, arbitrary: fc.array(byte, { maxLength: 40 }) },
    )
    .map((b) => Uint8Array.from(b));
}

/** How the input is cut: byte by byte, or into pieces of 1 to 12 bytes. */
const cuts = fc.oneof(
  fc.constant<number[]>([1]),
  fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 16 }),
);

function agree(machine: AnyStateMachine, input: fc.Arbitrary<Uint8Array>, seed: number) {
  const seen = { outputs: 0, errors: new Set<string>(), done: 0 };
  fc.assert(
    fc.property(input, cuts, (bytes, sizes) => {
      const compiled = feedAll(machine, 'compiled', bytes, sizes);
      const xstate = feedAll(machine, 'xstate', bytes, sizes);
      expect(compiled).toEqual(xstate);
      seen.outputs += compiled.outputs.length;
      if (compiled.error) seen.errors.add(compiled.error.code);
      if (compiled.status === 'done') seen.done++;
    }),
    { seed, numRuns: RUNS },
  );
  return seen;
}

/**
 * Messages: a head line ends with CRLF, LF or `;` (at most 10 bytes).
 * `B<n>` announces a body of n bytes (streamed; at most 6), `E` ends the
 * message (a final child: the message's onDone counts it; after three, the
 * machine ends), `R` restarts the message (a transition on the parent that
 * reenters it), an empty line is skipped, `X...` is refused, anything else
 * is not handled.
 */
function messageMachine() {
  const head = (event: any) => txt(event.data).replace(/[\r\n;]+$/, '');
  const log = (msg: string) => emit({ type: 'log', msg });
  return setup({
    types: {} as { context: any; events: any; emitted: any },
    guards: {
      is: ({ event }, p: { re: RegExp }) => event.type === 'read' && p.re.test(head(event)),
      tooBig: ({ event }, p: { max: number }) => Number(head(event).slice(1)) > p.max,
      evenSum: ({ context }) => context.sum % 2 === 0,
      enough: ({ context }) => context.count >= 3,
      clean: ({ event }) => event.type === 'eof' && event.unread.length === 0,
    },
  }).createMachine({
    id: 'messages',
    context: { n: 0, sum: 0, count: 0 },
    initial: 'message',
    entry: log('start'),
    exit: log('stop'),
    states: {
      message: {
        entry: [log('enter message'), assign({ sum: 0 })],
        exit: log('exit message'),
        initial: 'head',
        on: {
          read: {
            guard: { type: 'is', params: { re: /^R$/ } },
            target: 'message',
            reenter: true,
            actions: log('restart'),
          },
        },
        onDone: {
          target: 'between',
          actions: [assign({ count: ({ context }) => context.count + 1 }), log('message done')],
        },
        states: {
          head: {
            meta: { read: until(['\r\n', '\n', ';'], { maxBytes: 10 }) },
            on: {
              read: [
                {
                  guard: and([{ type: 'is', params: { re: /^B\d$/ } }, not({ type: 'tooBig', params: { max: 6 } })]),
                  target: 'body',
                  actions: [
                    assign({ n: ({ event }) => Number(head(event).slice(1)) }),
                    emit(({ event }) => ({ type: 'head', delimiter: event.delimiter })),
                  ],
                },
                { guard: { type: 'is', params: { re: /^B\d$/ } }, actions: [log('too big'), fail('BODY_TOO_LARGE')] },
                { guard: { type: 'is', params: { re: /^E$/ } }, target: 'end' },
                { guard: { type: 'is', params: { re: /^$/ } }, actions: log('blank') },
                { guard: { type: 'is', params: { re: /^X/ } }, actions: fail('BAD_HEAD') },
              ],
              eof: { guard: 'clean', target: '#messages.closed', actions: log('eof') },
            },
          },
          body: {
            entry: log('enter body'),
            exit: log('exit body'),
            meta: { read: ({ context }: { context: any }) => streamBytes(context.n) },
            on: {
              chunk: {
                actions: [
                  assign({
                    sum: ({ context, event }) => event.data.reduce((s: number, b: number) => s + b, context.sum),
                  }),
                  emit(({ event }) => ({ type: 'chunk', data: txt(event.data) })),
                ],
              },
              done: 'check',
            },
          },
          check: {
            always: [
              { guard: 'evenSum', target: 'head', actions: log('even') },
              { target: 'head', actions: log('odd') },
            ],
          },
          end: { type: 'final', entry: log('enter end') },
        },
      },
      between: {
        always: [
          { guard: 'enough', target: 'closed' },
          {
            target: 'message',
            actions: emit(({ context }) => ({ type: 'count', count: context.count, sum: context.sum })),
          },
        ],
      },
      closed: { type: 'final', entry: log('closed') },
    },
  });
}

describe('the compiled and the xstate executors agree', () => {
  test('line protocol', () => {
    const line = fc.array(fc.constantFrom('a', 'b', ' ', '\r'), { maxLength: 8 }).map((l) => `${l.join('')}\r\n`);
    const valid = fc.array(line, { maxLength: 8 }).map((ls) => bytesOf(ls.join('')));
    const seen = agree(createLineProtocol({ maxLineBytes: 8 }), inputs(valid, bytesOf('a\r\n ')), 1);
    expect(seen.outputs).toBeGreaterThan(0);
    expect(seen.done).toBeGreaterThan(0);
    expect([...seen.errors].sort()).toEqual(['LINE_TRUNCATED', 'WIREMACHINE_ERR_MAX_BYTES']);
  });

  test('frame protocol', () => {
    const frame = fc.uint8Array({ maxLength: 8 }).map((p) => Array.from(encodeFrame(p)));
    const valid = fc.array(frame, { maxLength: 6 }).map((fs) => fs.flat());
    const seen = agree(createFrameProtocol({ maxFrameBytes: 6 }), inputs(valid, [0, 1, 3, 6, 7, 0xff]), 2);
    expect(seen.outputs).toBeGreaterThan(0);
    expect(seen.done).toBeGreaterThan(0);
    expect([...seen.errors].sort()).toEqual(['FRAME_TOO_LARGE', 'FRAME_TRUNCATED', 'WIREMACHINE_ERR_STREAM_CLOSED']);
  });

  test('a compound-state machine: entry/exit, always, onDone, guards, streamBytes, until with several delimiters', () => {
    const delimiter = fc.constantFrom('\r\n', '\n', ';');
    const body = fc.tuple(
      fc.integer({ min: 0, max: 7 }),
      delimiter,
      fc.string({ unit: fc.constantFrom('a', 'b', ';', '\n') }),
    );
    const part = fc.oneof(
      { weight: 4, arbitrary: body.map(([n, d, s]) => `B${n}${d}${s.padEnd(n, 'x').slice(0, n)}`) },
      { weight: 2, arbitrary: delimiter.map((d) => `E${d}`) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('R', '', 'X1', 'Q'), delimiter).map(([h, d]) => h + d) },
    );
    const valid = fc.array(part, { maxLength: 10 }).map((ps) => bytesOf(ps.join('')));
    const seen = agree(messageMachine(), inputs(valid, bytesOf('BE1;\n\rR')), 3);
    expect(seen.outputs).toBeGreaterThan(0);
    expect(seen.done).toBeGreaterThan(0);
    expect(seen.errors.size).toBeGreaterThan(3);
  });
});
