/**
 * The one adapter over xstate's private shapes: how a machine's actions and
 * guards are stored, and what the built-in ones (`assign`, `emit`, `raise`,
 * `and`/`or`/`not`) keep inside them. The compiler, the code generator,
 * validation and diagrams read actions and guards through this module only,
 * so an xstate upgrade that changes these shapes breaks this file alone.
 *
 * Public `StateNode` fields (`states`, `transitions`, `always`, `entry`,
 * `exit`, `meta`, `parent`, `type`) are read where they are needed
 * (nodes.ts); they are xstate's documented API.
 *
 * @module
 */
import type { AnyStateMachine } from 'xstate';

/** A named action or guard as a transition refers to it: by name, with optional params. */
export interface Reference {
  readonly type: string;
  readonly params: unknown;
}

/** How an action or a guard, resolved against the machine's `setup` implementations, is to be run. */
export type Resolved =
  /** A user function called as `fn(args, params)`; `params` may be a function of the args. */
  | { readonly kind: 'user'; readonly fn: Function; readonly params: unknown; readonly name: string }
  /** `assign(...)`: an object of property assigners, or a function returning the properties. */
  | { readonly kind: 'assign'; readonly assignment: unknown; readonly params: unknown; readonly name: string }
  /** `emit(...)`: a constant event, or a function of `(args, params)`. */
  | { readonly kind: 'emit'; readonly event: unknown; readonly params: unknown; readonly name: string }
  /** `and([...])`, `or([...])`, `not(g)`: the guards they combine, unresolved. */
  | { readonly kind: 'and' | 'or' | 'not'; readonly guards: readonly unknown[]; readonly name: string }
  /** Any other built-in (`xstate.raise`, `xstate.sendTo`, `stateIn`, ...): `builtin` names it. */
  | { readonly kind: 'builtin'; readonly builtin: string; readonly fn: Function; readonly name: string }
  /** A name `setup` does not implement. */
  | { readonly kind: 'missing'; readonly name: string }
  /** Neither a function nor a reference. */
  | { readonly kind: 'invalid'; readonly name: string };

interface Implementations {
  actions: Record<string, unknown>;
  guards: Record<string, unknown>;
}

function implementationsOf(machine: AnyStateMachine): Implementations {
  const impl = machine.implementations as unknown as Partial<Implementations>;
  return { actions: impl.actions ?? {}, guards: impl.guards ?? {} };
}

/** The reference an action or guard is written as, or `null` for an inline function. */
export function referenceOf(item: unknown): Reference | null {
  if (typeof item === 'string') return { type: item, params: undefined };
  if (typeof item === 'object' && item !== null && typeof (item as { type?: unknown }).type === 'string') {
    const ref = item as { type: string; params?: unknown };
    return { type: ref.type, params: ref.params };
  }
  return null;
}

/** The name of a user function for people (diagrams, generated code): `""` when anonymous. */
function nameOf(fn: Function): string {
  const name = fn.name;
  return typeof name === 'string' ? name : '';
}

function classify(fn: unknown, params: unknown, name: string): Resolved {
  if (typeof fn !== 'function') return { kind: 'invalid', name };
  const shape = fn as { type?: unknown; check?: unknown; guards?: unknown[]; name: string };
  // Built-in guards carry `check` (and, for the combinators, the guards they combine).
  if (shape.check !== undefined) {
    const n = shape.name;
    if (n === 'and' || n === 'or' || n === 'not') return { kind: n, guards: shape.guards ?? [], name: name || n };
    return { kind: 'builtin', builtin: n, fn, name: name || n };
  }
  // Built-in actions carry their `type` ("xstate.assign", ...) and what they were made from.
  const builtin = shape.type;
  if (builtin === 'xstate.assign')
    return { kind: 'assign', assignment: (fn as { assignment?: unknown }).assignment, params, name: name || 'assign' };
  if (builtin === 'xstate.emit')
    return { kind: 'emit', event: (fn as { event?: unknown }).event, params, name: name || 'emit' };
  if (typeof builtin === 'string' && builtin.startsWith('xstate.')) return { kind: 'builtin', builtin, fn, name };
  return { kind: 'user', fn, params, name: name || nameOf(fn) };
}

/**
 * Resolve an action or a guard as a transition (or `entry`/`exit`) writes it:
 * a name or `{ type, params }` is looked up in `setup({ actions | guards })`
 * (following a guard implemented as a reference to another, as xstate does);
 * an inline function is taken as it is.
 */
export function resolve(machine: AnyStateMachine, kind: 'action' | 'guard', item: unknown): Resolved {
  const table = kind === 'action' ? implementationsOf(machine).actions : implementationsOf(machine).guards;
  const first = referenceOf(item);
  if (first === null) return classify(item, undefined, '');
  let ref: Reference = first;
  for (let depth = 0; depth < 16; depth++) {
    const impl: unknown = table[ref.type];
    if (impl === undefined) return { kind: 'missing', name: ref.type };
    const next: Reference | null = kind === 'guard' ? referenceOf(impl) : null;
    if (next === null) return classify(impl, ref.params, ref.type);
    ref = next;
  }
  return { kind: 'invalid', name: ref.type };
}

/** The code of a `fail(code)` action (resolved through `setup` when named), or `null`. */
export function failCodeOf(machine: AnyStateMachine, action: unknown): string | null {
  const r = resolve(machine, 'action', action);
  if (r.kind !== 'user') return null;
  const code = (r.fn as { failCode?: unknown }).failCode;
  return typeof code === 'string' ? code : null;
}

/** The event type a `raise` action raises, `null` when computed, `undefined` when it is not a `raise`. */
export function raisedTypeOf(machine: AnyStateMachine, action: unknown): string | null | undefined {
  const r = resolve(machine, 'action', action);
  if (r.kind !== 'builtin' || r.builtin !== 'xstate.raise') return undefined;
  const event = (r.fn as { event?: unknown }).event;
  const type = typeof event === 'object' && event !== null ? (event as { type?: unknown }).type : undefined;
  return typeof type === 'string' ? type : null;
}

/** Whether an action can send the machine events nobody can tell from its definition (`sendTo`, `enqueueActions`). */
export function sendsAnything(machine: AnyStateMachine, action: unknown): boolean {
  const r = resolve(machine, 'action', action);
  return r.kind === 'builtin' && (r.builtin === 'xstate.sendTo' || r.builtin === 'xstate.enqueueActions');
}
