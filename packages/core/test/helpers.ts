/** Test helpers: a one-read machine per read kind, and a recorder around the driver. */
import { assign, emit, setup } from 'xstate';
import {
  concatBytes,
  createDriver,
  type DriverOptions,
  type ExecutorKind,
  latin1,
  protocolTypes,
  type ReadRequest,
  type WiremachineError,
} from '../src/index.js';

export const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
export const text = (b: Uint8Array) => latin1(b);

export type Out =
  | { type: 'got'; data: string; delimiter: number; groups: string[] | null }
  | { type: 'chunk'; data: string }
  | { type: 'done' };

/**
 * A machine that asks for `read` again and again and emits each result. At
 * end of input it stops cleanly only when nothing is left unread.
 */
export function readMachine(read: ReadRequest | (() => ReadRequest)) {
  return setup({
    types: protocolTypes<{ reads: number }, Out>(),
    guards: { clean: ({ event }) => event.type === 'eof' && event.unread.length === 0 },
  }).createMachine({
    context: { reads: 0 },
    initial: 'w',
    states: {
      w: {
        meta: { read: typeof read === 'function' ? read : read },
        on: {
          read: {
            actions: [
              assign({ reads: ({ context }) => context.reads + 1 }),
              emit(({ event }) => ({
                type: 'got' as const,
                data: text(event.data),
                delimiter: event.delimiter,
                groups: event.match ? [...event.match] : null,
              })),
            ],
          },
          chunk: { actions: emit(({ event }) => ({ type: 'chunk' as const, data: text(event.data) })) },
          done: { target: 'end', actions: emit({ type: 'done' as const }) },
          eof: { guard: 'clean', target: 'end' },
        },
      },
      end: { type: 'final' },
    },
  });
}

export interface Recorded<T> {
  outputs: T[];
  errors: WiremachineError[];
}

/** Feed `chunks` (then end, unless `end: false`) and record outputs and errors. */
export function record<T = Out>(
  machine: Parameters<typeof createDriver>[0],
  chunks: (string | Uint8Array)[],
  options: Omit<DriverOptions, 'onOutput' | 'onError'> & { end?: boolean; executor?: ExecutorKind } = {},
): Recorded<T> & { driver: ReturnType<typeof createDriver> } {
  const outputs: T[] = [];
  const errors: WiremachineError[] = [];
  const driver = createDriver(machine, {
    poisonEvents: true,
    ...options,
    onOutput: (o) => outputs.push(o as T),
    onError: (e) => errors.push(e),
  });
  for (const c of chunks) driver.feed(typeof c === 'string' ? enc(c) : c);
  if (options.end !== false) driver.end();
  return { outputs, errors, driver };
}

/** Every way to cut `s` into pieces of `size` bytes, for sizes 1..s.length. */
export function slicings(s: string): string[][] {
  const out: string[][] = [];
  for (let size = 1; size <= Math.max(1, s.length); size++) {
    const pieces: string[] = [];
    for (let i = 0; i < s.length; i += size) pieces.push(s.slice(i, i + size));
    out.push(pieces);
  }
  return out;
}

/** One array holding `parts` one after the other. */
export const concat = concatBytes;
