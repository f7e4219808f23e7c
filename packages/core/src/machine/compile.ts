/**
 * The compiler: walks an xstate machine's state nodes once and builds a flat
 * program that the compiled executor runs without xstate's interpreter.
 *
 * Supported subset (anything else is refused with {@link InvalidMachineError}
 * naming the state and the feature):
 * - atomic, compound and final states; `initial`; `onDone` of compound states;
 * - transitions on the driver's events (`read`, `chunk`, `done`, `eof`), with
 *   or without a target, `reenter`, guards, and eventless `always` transitions;
 * - `entry` and `exit` actions, and a top-level final state (the machine ends,
 *   running the exit actions of every active state, as xstate does);
 * - wildcard (`*`) and partial (`read.*`) event descriptors;
 * - actions: `assign`, `emit`, named actions from `setup({ actions })`,
 *   parameterised actions, inline functions;
 * - guards: named guards, parameterised guards, inline functions, `and`, `or`, `not`.
 *
 * Not supported: parallel and history states, `invoke`, `after`, `raise`,
 * `sendTo`, `enqueueActions`, `spawnChild`, `log` and the other built-in
 * actions, `stateIn`, `output` of final states, actions of `initial`
 * transitions, and named actions or guards that `setup` does not implement.
 * Actions and guards get `self` and `system` as `undefined`.
 *
 * @module
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { InvalidMachineError, isWiremachineError } from '../errors.js';
import type { ReadRequest } from '../reads.js';
import {
  allNodes,
  candidatesOf,
  DONE_STATE,
  initialDescent,
  isWithin,
  readSpecOf,
  stateName,
  type TransitionDef,
  transitionsOf,
} from './nodes.js';
import { resolve } from './shapes.js';
import { validateMachine } from './validate.js';

/** The argument every action and guard receives, as in xstate (`self` and `system` are absent). */
export interface ActionArgs {
  context: any;
  event: any;
  self: undefined;
  system: undefined;
}

/** What a compiled action may touch besides its arguments. */
export interface ActionHost {
  output(value: unknown): void;
}

export type CompiledAction = (args: ActionArgs, host: ActionHost) => void;
export type CompiledGuard = (args: ActionArgs) => boolean;

/** The event xstate raises when a final child of `xstate.done.state.<id>` is entered. */
export interface DoneEvent {
  readonly type: string;
  readonly output: undefined;
}

export interface CompiledTransition {
  readonly guard: CompiledGuard | null;
  /** Exit actions, then the transition's actions, then entry actions. */
  readonly actions: readonly CompiledAction[];
  /** The atomic or final state the transition lands in; `null` when targetless. */
  readonly target: CompiledState | null;
  /** It enters a top-level final state: the machine ends (and runs `target.finalExit`). */
  readonly ends: boolean;
  /** It enters a final child: the parent's done event, which is queued and taken after eventless transitions. */
  readonly raises: DoneEvent | null;
  /** The declared transition this was compiled from (`null` for the initial entry): for coverage. */
  source?: TransitionDef | null;
  /** The actions as one generated function (see generate.ts), when code generation is allowed. */
  run?: (args: ActionArgs, host: ActionHost) => void;
}

export interface CompiledState {
  readonly index: number;
  readonly name: string;
  readonly read: ReadRequest | null;
  readonly readFn: ((args: { context: any }) => ReadRequest) | null;
  readonly final: boolean;
  /** A final state whose parent is the root: entering it ends the machine. */
  readonly top: boolean;
  onRead: CompiledTransition[];
  onChunk: CompiledTransition[];
  onDone: CompiledTransition[];
  onEof: CompiledTransition[];
  always: CompiledTransition[];
  /** Handlers of done events (`xstate.done.state.<id>`) here and on the ancestors, by event type. */
  onInternal: Map<string, CompiledTransition[]>;
  /** Exit actions of this state and every ancestor, run when the machine ends here. */
  finalExit: CompiledAction[];
  /**
   * Generated guard chains, by event (read, chunk, done, eof, always): the
   * index of the transition taken in that list, or -1 (see generate.ts).
   */
  select?: readonly ((args: ActionArgs) => number)[];
}

/** A machine compiled to a flat program. */
export interface Program {
  readonly machine: AnyStateMachine;
  readonly states: readonly CompiledState[];
  /** Entry actions of the root and the initial states, and the initial atomic state. */
  readonly initial: CompiledTransition;
  /** Builds the initial context from the input, as xstate does. */
  createContext(input: unknown): any;
  /** The generated read loop (see generate.ts), once code generation has run. */
  fast?: import('./generate.js').FastLoop;
}

const cache = new WeakMap<AnyStateMachine, Program>();

/**
 * Validate and compile a machine (cached per machine object).
 *
 * @example
 * ```ts
 * const program = compile(lineMachine); // throws InvalidMachineError if it cannot run
 * ```
 */
export function compile(machine: AnyStateMachine): Program {
  let program = cache.get(machine);
  if (program === undefined) {
    const compiler = new Compiler(machine);
    // The subset first: a parallel or history state would otherwise be reported as whatever it upsets in validation.
    compiler.checkSubset();
    validateMachine(machine);
    program = compiler.build();
    cache.set(machine, program);
  }
  return program;
}

class Compiler {
  private readonly states = new Map<AnyStateNode, CompiledState>();

  constructor(private readonly machine: AnyStateMachine) {}

  checkSubset(): void {
    for (const node of [this.machine.root, ...allNodes(this.machine)]) this.checkNode(node);
  }

  build(): Program {
    const nodes = allNodes(this.machine);
    let index = 0;
    for (const node of nodes) {
      if (node.type !== 'atomic' && node.type !== 'final') continue;
      const spec = readSpecOf(node);
      const state: CompiledState = {
        index: index++,
        name: stateName(node),
        read: typeof spec === 'object' ? spec : null,
        readFn: typeof spec === 'function' ? spec : null,
        final: node.type === 'final',
        top: node.type === 'final' && node.parent === this.machine.root,
        onRead: [],
        onChunk: [],
        onDone: [],
        onEof: [],
        always: [],
        onInternal: new Map(),
        finalExit: [],
        select: undefined,
      };
      this.states.set(node, state);
    }
    // The done events the machine can raise: one per compound state with a final child.
    const doneTypes = new Set<string>();
    for (const node of nodes)
      if (node.type === 'final' && node.parent?.parent) doneTypes.add(DONE_STATE + node.parent.id);
    for (const [node, state] of this.states) this.link(node, state, doneTypes);
    const root = this.machine.root;
    const descent = initialDescent(root);
    const initial = this.landing(
      descent,
      descent.flatMap((n) => this.actionsOf(n, n.entry)),
      null,
    );
    const config = this.machine.config as { context?: unknown };
    const ctx = config.context;
    return {
      machine: this.machine,
      states: [...this.states.values()],
      initial,
      // The executor writes into its context, so each run gets its own copy:
      // of the context object, or of what the context function returns.
      createContext:
        typeof ctx === 'function'
          ? (input) => ({ ...(ctx as (a: object) => object)({ input, self: undefined, spawn: undefined }) })
          : (_input) => ({ ...((ctx ?? {}) as object) }),
      fast: undefined,
    };
  }

  /** A transition that enters `entered` (ancestors first, down to an atomic or final state). */
  private landing(entered: AnyStateNode[], actions: CompiledAction[], guard: CompiledGuard | null): CompiledTransition {
    const leaf = entered[entered.length - 1];
    const target = leaf === undefined ? null : (this.states.get(leaf) ?? null);
    const enters = target !== null && (leaf.type === 'final' || leaf.type === 'atomic');
    return {
      guard,
      actions,
      target,
      ends: enters && target.top,
      raises:
        enters && target.final && !target.top
          ? { type: DONE_STATE + (leaf.parent as AnyStateNode).id, output: undefined }
          : null,
      // Set later (the declared transition; the generated actions): present from the start, so
      // every transition is an object of one shape for the executor's loads.
      source: null,
      run: undefined,
    };
  }

  private checkNode(node: AnyStateNode): void {
    const name = stateName(node);
    const refuse = (feature: string, message: string): never => {
      throw new InvalidMachineError(
        name,
        feature,
        `${message} is not supported by the compiled executor (use executor: 'xstate')`,
      );
    };
    if (node.type === 'parallel') refuse('parallel', 'a parallel state');
    if (node.type === 'history') refuse('history', 'a history state');
    if (node.invoke.length > 0) refuse('invoke', '`invoke`');
    if (node.type === 'final' && node.output !== undefined) refuse('output', '`output` of a final state');
    const initial = node.initial as { actions?: readonly unknown[] } | undefined;
    if (initial?.actions && initial.actions.length > 0) refuse('initial', 'actions on `initial`');
    for (const t of transitionsOf(node)) {
      if (t.target && t.target.length > 1) refuse('targets', 'a transition with several targets');
    }
  }

  private link(node: AnyStateNode, state: CompiledState, doneTypes: Set<string>): void {
    // Handlers of an event: the state's own first, then each ancestor's, as xstate selects them.
    const handlers = (type: string, eventful: boolean) => {
      const out: CompiledTransition[] = [];
      for (let n: AnyStateNode | undefined = node; n; n = n.parent) {
        for (const t of candidatesOf(n, type)) out.push(this.transition(node, t, eventful));
      }
      return out;
    };
    state.onRead = handlers('read', true);
    state.onChunk = handlers('chunk', true);
    state.onDone = handlers('done', true);
    state.onEof = handlers('eof', true);
    for (let n: AnyStateNode | undefined = node; n; n = n.parent) {
      for (const t of (n.always ?? []) as unknown as TransitionDef[])
        state.always.push(this.transition(node, t, false));
    }
    for (const type of doneTypes) {
      const list = handlers(type, true);
      if (list.length > 0) state.onInternal.set(type, list);
    }
    if (state.top) {
      for (let n: AnyStateNode | undefined = node; n; n = n.parent) state.finalExit.push(...this.actionsOf(n, n.exit));
    }
  }

  /**
   * A transition taken from the atomic state `from`, declared on `from` or an
   * ancestor. `eventful`: taken on an event (not `always`), whose guard errors
   * xstate reports wrapped.
   */
  private transition(from: AnyStateNode, t: TransitionDef, eventful: boolean): CompiledTransition {
    const compiled = this.compileTransition(from, t, eventful);
    compiled.source = t;
    return compiled;
  }

  private compileTransition(from: AnyStateNode, t: TransitionDef, eventful: boolean): CompiledTransition {
    const name = stateName(t.source);
    let guard = t.guard === undefined ? null : this.guard(t.guard, name);
    if (guard !== null && eventful) {
      const inner = guard;
      guard = wrapGuard(inner, t.guard, t.source.id);
      const spec = specOf(inner);
      if (spec !== undefined) tag(guard, spec);
    }
    const own = this.actionsOf(t.source, t.actions);
    const target = t.target?.[0];
    if (target === undefined)
      return { guard, actions: own, target: null, ends: false, raises: null, source: null, run: undefined };
    const source = t.source;
    // The transition domain, as xstate computes it (getTransitionDomain).
    let domain: AnyStateNode | undefined;
    if (!t.reenter && isWithin(target, source)) {
      domain = source;
    } else {
      for (let a = target.parent; a; a = a.parent) {
        if (source !== a && isWithin(source, a)) {
          domain = a;
          break;
        }
      }
      if (domain === undefined && !t.reenter) domain = this.machine.root;
    }
    // Exited: the active states below the domain, deepest first.
    const exits: AnyStateNode[] = [];
    for (let n: AnyStateNode | undefined = from; n && n !== domain; n = n.parent) exits.push(n);
    // Entered: the states between the domain and the target, the target (unless it is the
    // source of a transition that does not reenter it), then its initial states.
    const enters: AnyStateNode[] = [];
    if (target !== domain) for (let n = target.parent; n && n !== domain; n = n.parent) enters.unshift(n);
    const descent = initialDescent(target);
    if (target === source && domain === source && !t.reenter) descent.shift();
    enters.push(...descent);
    const actions = [
      ...exits.flatMap((n) => this.actionsOf(n, n.exit)),
      ...own,
      ...enters.flatMap((n) => this.actionsOf(n, n.entry)),
    ];
    if (descent.length > 0) return this.landing(enters, actions, guard);
    // Back in the atomic state it left from: nothing is entered.
    const leaf = initialDescent(target).at(-1) as AnyStateNode;
    return {
      guard,
      actions,
      target: this.states.get(leaf) ?? null,
      ends: false,
      raises: null,
      source: null,
      run: undefined,
    };
  }

  private actionsOf(node: AnyStateNode, list: readonly unknown[]): CompiledAction[] {
    return list.map((a) => this.action(a, stateName(node)));
  }

  private action(action: unknown, state: string): CompiledAction {
    const r = resolve(this.machine, 'action', action);
    if (r.kind === 'missing')
      throw new InvalidMachineError(state, 'action', `action "${r.name}" is not implemented in setup({ actions })`);
    if (r.kind === 'builtin') {
      throw new InvalidMachineError(
        state,
        r.builtin.slice(7),
        `the built-in action ${r.builtin} is not supported by the compiled executor (use executor: 'xstate')`,
      );
    }
    if (r.kind !== 'assign' && r.kind !== 'emit' && r.kind !== 'user')
      throw new InvalidMachineError(state, 'action', 'an action is neither a function nor a named action');
    const params = r.params;
    const resolveParams =
      typeof params === 'function' ? (a: ActionArgs) => (params as (a: ActionArgs) => unknown)(a) : () => params;
    if (r.kind === 'assign') {
      const assignment = r.assignment;
      return tag(compileAssign(assignment, params === undefined ? null : resolveParams), {
        kind: 'assign',
        assignment,
        params,
      });
    }
    if (r.kind === 'emit') {
      const ev = r.event;
      if (typeof ev === 'function')
        return tag((a, host) => host.output(ev(a, resolveParams(a))), { kind: 'emit', fn: ev, params });
      return tag((_a, host) => host.output(ev), { kind: 'emitConst', value: ev });
    }
    const user = r.fn as (a: ActionArgs, p: unknown) => void;
    const spec: Spec = { kind: 'call', fn: user, params, name: r.name };
    if (params === undefined) return tag((a) => user(a, undefined), spec);
    return tag((a) => user(a, resolveParams(a)), spec);
  }

  private guard(guard: unknown, state: string): CompiledGuard {
    const r = resolve(this.machine, 'guard', guard);
    if (r.kind === 'missing')
      throw new InvalidMachineError(state, 'guard', `guard "${r.name}" is not implemented in setup({ guards })`);
    if (r.kind === 'and' || r.kind === 'or' || r.kind === 'not') {
      const parts = r.guards.map((g) => this.guard(g, state));
      if (r.kind === 'and') return tag((a) => parts.every((g) => g(a)), { kind: 'and', parts });
      if (r.kind === 'or') return tag((a) => parts.some((g) => g(a)), { kind: 'or', parts });
      return tag((a) => !parts[0](a), { kind: 'not', parts });
    }
    if (r.kind === 'builtin') {
      throw new InvalidMachineError(
        state,
        r.builtin,
        `the built-in guard ${r.builtin} is not supported by the compiled executor (use executor: 'xstate')`,
      );
    }
    if (r.kind !== 'user')
      throw new InvalidMachineError(state, 'guard', 'a guard is neither a function nor a named guard');
    const user = r.fn as (a: ActionArgs, p: unknown) => boolean;
    const params = r.params;
    const spec: Spec = { kind: 'call', fn: user, params, name: r.name };
    if (typeof params === 'function') return tag((a) => user(a, (params as (a: ActionArgs) => unknown)(a)), spec);
    return tag((a) => user(a, params), spec);
  }
}

/**
 * What a guard of an event's transition throws, xstate rethrows wrapped in an
 * `Error` of its own (a guard of an `always` transition, it does not wrap).
 */
function wrapGuard(guard: CompiledGuard, ref: unknown, nodeId: string): CompiledGuard {
  const type =
    typeof ref === 'string'
      ? ref
      : typeof ref === 'object' && ref !== null
        ? (ref as { type?: string }).type
        : undefined;
  const label = type ? `'${type}' ` : '';
  return (a) => {
    try {
      return guard(a);
    } catch (err) {
      // A wiremachine error (a ProtocolFault rejecting the input) keeps its code; see unwrapGuardError.
      if (isWiremachineError(err)) throw err;
      const message = `Unable to evaluate guard ${label}in transition for event '${a.event.type}' in state node '${nodeId}':\n${(err as Error)?.message}`;
      throw new Error(message, { cause: err });
    }
  };
}

const noParams = (): undefined => undefined;

/**
 * How a compiled action or guard is made, for the code generator: a call of
 * a user function with its params, an `assign`, an `emit`, or a combination
 * of guards. Kept beside each closure the compiler builds.
 */
export type Spec =
  | { kind: 'call'; fn: Function; params: unknown; name: string }
  | { kind: 'assign'; assignment: unknown; params: unknown }
  | { kind: 'emit'; fn: Function; params: unknown }
  | { kind: 'emitConst'; value: unknown }
  | { kind: 'and' | 'or' | 'not'; parts: CompiledGuard[] };

const specs = new WeakMap<Function, Spec>();

function tag<F extends Function>(fn: F, spec: Spec): F {
  specs.set(fn, spec);
  return fn;
}

/** How a compiled action or guard was made (see {@link Spec}), or `undefined`. */
export function specOf(fn: Function): Spec | undefined {
  return specs.get(fn);
}

/**
 * `assign` writes into the context the executor owns instead of copying it:
 * a copy costs about 80 ns a step, a write about 25. Every
 * property is computed from the context as it was before the action, as
 * xstate does, then written. The one visible difference from xstate: an
 * object that holds the context itself (an emitted `{ context }`, say) sees
 * later assigns; emit the values, or a copy, instead.
 */
function compileAssign(assignment: unknown, given: ((a: ActionArgs) => unknown) | null): CompiledAction {
  const params = given ?? noParams;
  if (typeof assignment === 'function') {
    const fn = assignment as (a: ActionArgs, p: unknown) => object;
    return (a) => {
      Object.assign(a.context, fn(a, params(a)));
    };
  }
  const entries = Object.entries(assignment as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, value] = entries[0];
    if (typeof value !== 'function') {
      return (a) => {
        a.context[key] = value;
      };
    }
    const fn = value as (a: ActionArgs, p: unknown) => unknown;
    // Without params, skip the call that would return `undefined` on every step.
    if (given === null) {
      return (a) => {
        a.context[key] = fn(a, undefined);
      };
    }
    return (a) => {
      a.context[key] = fn(a, params(a));
    };
  }
  const keys = entries.map((e) => e[0]);
  const fns = entries.map((e) => e[1]);
  return (a) => {
    const p = params(a);
    const values: unknown[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const f = fns[i];
      values[i] = typeof f === 'function' ? f(a, p) : f;
    }
    for (let i = 0; i < keys.length; i++) a.context[keys[i]] = values[i];
  };
}
