/**
 * Typed helpers for declaring protocols as xstate machines.
 *
 * @module
 */

import {
  type ActionArgs,
  type ActionFunction,
  type AnyEventObject,
  type EventObject,
  emit,
  type MachineContext,
  type ParameterizedObject,
} from 'xstate';
import type { ProtocolFault as Fault } from './errors.js';
import { ProtocolFault } from './errors.js';
import type { ReadSpec } from './machine/nodes.js';
import type { ReadDoneEvent, ReadEvent } from './reads.js';

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

/**
 * Reject the input from anywhere in a machine (a guard, an action, a read's
 * decoder) with a stable `code`: throws the {@link ProtocolFault} that the
 * driver reports as a {@link ProtocolError} with that code, the offset of
 * the read, the state and an excerpt. The same as the {@link fail} action,
 * as a call.
 *
 * @example
 * ```ts
 * guards: { isArray: readGuard(({ event }) => event.value.type === '*' || reject('BAD_TYPE', 'not an array')) }
 * ```
 */
export function reject(code: string, message: string = code): never {
  throw new ProtocolFault(code, message);
}

/** The event type of "nothing to emit": see {@link emitIf}. */
export const NO_OUTPUT = 'wiremachine.noOutput';
const nothing = Object.freeze({ type: NO_OUTPUT });

/** Whether an emitted event is the "nothing" of {@link emitIf} (both executors drop it). */
export function isNoOutput(event: unknown): boolean {
  return event === nothing;
}

/**
 * An `emit` that may emit nothing: `make` returns the output, or `null` (or
 * `undefined`) for none. A step that completes a record only sometimes (the
 * last item of an aggregate, say) emits it from its own action, without an
 * extra eventless state to test for it.
 *
 * @example
 * ```ts
 * actions: [assign(...), emitIf(({ context }) => (context.done ? { type: 'reply', value: context.value } : null))]
 * ```
 */
export function emitIf<
  TContext extends MachineContext,
  TExpressionEvent extends EventObject,
  TParams extends ParameterizedObject['params'] | undefined,
  TEvent extends EventObject,
  TEmitted extends AnyEventObject,
>(
  make: (args: ActionArgs<TContext, TExpressionEvent, TEvent>, params: TParams) => TEmitted | null | undefined,
): ActionFunction<TContext, TExpressionEvent, TEvent, TParams, never, never, never, never, TEmitted> {
  const wrapper = (args: ActionArgs<TContext, TExpressionEvent, TEvent>, params: TParams) =>
    (make(args, params) ?? nothing) as TEmitted;
  // The code generator calls `make` itself, from the machine's own call site (every emitIf shares this wrapper's).
  conditionalEmits.set(wrapper, make);
  return emit<TContext, TExpressionEvent, TParams, TEvent, TEmitted>(wrapper);
}

const conditionalEmits = new WeakMap<Function, Function>();

/** The `make` of an {@link emitIf}'s event function, or `undefined` for any other function. */
export function conditionalEmit(fn: Function): Function | undefined {
  return conditionalEmits.get(fn);
}

/**
 * A guard of a `read` transition, typed with the read's decoded value: the
 * event is a {@link ReadDoneEvent} (`value`, `data`, `buf`/`start`/`end`),
 * without checking `event.type`. Use it on `read` transitions only.
 *
 * @example
 * ```ts
 * guards: { isNull: readGuard<Ctx, number>(({ event }) => event.value === -1) }
 * ```
 */
export function readGuard<TContext = any, TValue = any, TParams = undefined>(
  guard: (args: { context: TContext; event: ReadDoneEvent<TValue> }, params: TParams) => boolean,
): (args: { context: TContext; event: ReadEvent }, params: TParams) => boolean {
  return guard as never;
}

/** An action of a `read` transition, typed with the read's decoded value: see {@link readGuard}. */
export function readAction<TContext = any, TValue = any, TParams = undefined>(
  action: (args: { context: TContext; event: ReadDoneEvent<TValue> }, params: TParams) => void,
): (args: { context: TContext; event: ReadEvent }, params: TParams) => void {
  return action as never;
}
