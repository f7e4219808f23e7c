/**
 * Typed helpers for declaring protocols as xstate machines.
 *
 * @module
 */
import type { ProtocolFault as Fault } from './errors.js';
import { ProtocolFault } from './errors.js';
import type { ReadSpec } from './machine/nodes.js';
import type { ReadEvent } from './reads.js';

/** What a waiting state declares in `meta`: its read, constant or computed from context. */
export interface ReadMeta<TContext = any> {
  read?: ReadSpec<TContext>;
  /** How diagrams name a read computed from context (default: "read computed from context"). */
  readLabel?: string;
}

/** The `types` of a protocol machine: context, the driver's events, outputs, input and meta. */
export interface ProtocolTypes<TContext, TOutput, TInput> {
  context: TContext;
  events: ReadEvent;
  emitted: TOutput;
  input: TInput;
  meta: ReadMeta<TContext>;
}

/**
 * Types for `setup({ types })`, so that context, events, outputs and each
 * state's `meta.read` are checked by the compiler.
 *
 * @example
 * ```ts
 * const machine = setup({
 *   types: protocolTypes<{ len: number }, { type: 'frame'; payload: Uint8Array }>(),
 * }).createMachine({ ... });
 * ```
 */
export function protocolTypes<
  TContext extends Record<string, any>,
  TOutput extends { type: string },
  TInput = undefined,
>(): ProtocolTypes<TContext, TOutput, TInput> {
  return {} as ProtocolTypes<TContext, TOutput, TInput>;
}

/**
 * An action that rejects the input with a stable `code`. The driver stops and
 * reports a {@link ProtocolError} with that code, the byte offset of the read
 * that delivered the offending bytes, the state, and an excerpt.
 *
 * @example
 * ```ts
 * on: { read: [
 *   { guard: 'tooLong', actions: fail('FRAME_TOO_LARGE', ({ context }) => `frame of ${context.len} bytes`) },
 *   { target: 'payload', actions: 'storeLength' },
 * ] }
 * ```
 */
export function fail<TArgs = { context: any; event: any }>(
  code: string,
  message: string | ((args: TArgs) => string) = code,
): (args: TArgs) => never {
  const action = function wiremachineFail(args: TArgs): never {
    const error: Fault = new ProtocolFault(code, typeof message === 'function' ? message(args) : message);
    throw error;
  };
  // Read by diagrams, to show where a transition rejects the input.
  return Object.assign(action, { failCode: code });
}
