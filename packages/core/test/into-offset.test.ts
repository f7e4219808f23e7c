import { expect, test } from 'vitest';
import { setup } from 'xstate';
import { bytes, fail, into, protocolTypes } from '../src/index.js';
import { runChunks } from '../src/testing/index.js';

/** Two header bytes, then an `into` read of four bytes that the machine rejects. */
const machine = setup({ types: protocolTypes<{ buffer: Uint8Array }, { type: 'none' }>() }).createMachine({
  id: 'into-offset',
  context: () => ({ buffer: new Uint8Array(4) }),
  initial: 'head',
  states: {
    head: { meta: { read: bytes(2) }, on: { read: { target: 'body' } } },
    body: { meta: { read: ({ context }) => into(context.buffer) }, on: { read: { actions: fail('BAD_BODY') } } },
  },
});

test('an error on an into read is placed at the read start, however the bytes arrive', () => {
  const input = Uint8Array.of(1, 2, 3, 4, 5, 6);
  for (const chunks of [[input], [input.subarray(0, 3), input.subarray(3)], [...input].map((b) => Uint8Array.of(b))]) {
    expect(runChunks(machine, chunks).error).toEqual({ code: 'BAD_BODY', offset: 2, state: 'body' });
  }
});

test('an into read cut short by the end of input fails at its start', () => {
  const ending = setup({ types: protocolTypes<{ buffer: Uint8Array }, { type: 'none' }>() }).createMachine({
    id: 'into-eof',
    context: () => ({ buffer: new Uint8Array(4) }),
    initial: 'body',
    states: {
      body: {
        meta: { read: ({ context }) => into(context.buffer) },
        on: { read: {}, eof: { actions: fail('CUT_SHORT') } },
      },
    },
  });
  const input = Uint8Array.of(1, 2, 3);
  for (const chunks of [[input], [input.subarray(0, 1), input.subarray(1)]]) {
    expect(runChunks(ending, chunks)).toMatchObject({ error: { code: 'CUT_SHORT', offset: 0 }, thrown: undefined });
  }
});
