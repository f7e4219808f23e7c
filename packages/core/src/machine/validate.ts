/**
 * Checks a protocol machine when it is defined, before any byte is read, in
 * the spirit of llparse's loop checker: waiting states without a read,
 * unreachable states, cycles that read nothing, and events nothing sends
 * (neither the driver, nor the machine itself with `raise`, nor an actor it
 * invokes) are refused with an error that names the state and the feature.
 *
 * These checks apply to both executors, so they accept what xstate runs
 * (parallel and history states, `invoke`, `raise`); the compiler adds its own
 * subset check.
 *
 * @module
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { InvalidMachineError } from '../errors.js';
import { isStreaming, type ReadRequest } from '../reads.js';
import {
  allNodes,
  candidatesOf,
  DONE_STATE,
  DRIVER_EVENTS,
  initialDescent,
  isWithin,
  matchesEventDescriptor,
  readSpecOf,
  stateName,
  type TransitionDef,
  transitionsOf,
} from './nodes.js';
import { failCodeOf, raisedTypeOf, sendsAnything } from './shapes.js';

/** Whether an event of `eventType` has a transition on `node` or an ancestor. */
function handles(node: AnyStateNode, eventType: string): boolean {
  for (let n: AnyStateNode | undefined = node; n; n = n.parent) if (candidatesOf(n, eventType).length > 0) return true;
  return false;
}

function isReadRequest(value: unknown): value is ReadRequest {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

/** The atomic state a transition lands in (following initial states), or null when targetless. */
function landing(t: TransitionDef): AnyStateNode | null {
  const target = t.target?.[0];
  if (target === undefined) return null;
  const descent = initialDescent(target);
  return descent[descent.length - 1];
}

function eventlessFrom(node: AnyStateNode): TransitionDef[] {
  const out: TransitionDef[] = [];
  for (let n: AnyStateNode | undefined = node; n; n = n.parent) {
    if (n.always) out.push(...(n.always as unknown as TransitionDef[]));
  }
  // Entering a final child raises the parent's done event at once: it reads nothing either.
  if (node.type === 'final' && node.parent?.parent) {
    const type = DONE_STATE + node.parent.id;
    for (let n: AnyStateNode | undefined = node; n; n = n.parent) out.push(...candidatesOf(n, type));
  }
  return out;
}

/**
 * The event types that reach the machine from elsewhere than the driver:
 * events it raises itself and those of the actors it invokes. `any` is set
 * when that cannot be told from the definition (a computed `raise`, `sendTo`,
 * `enqueueActions`).
 */
interface OtherEvents {
  types: Set<string>;
  any: boolean;
}

function otherEvents(machine: AnyStateMachine, nodes: AnyStateNode[]): OtherEvents {
  const found: OtherEvents = { types: new Set(), any: false };
  const visit = (action: unknown) => {
    const raised = raisedTypeOf(machine, action);
    if (typeof raised === 'string') found.types.add(raised);
    else if (raised === null || sendsAnything(machine, action)) found.any = true;
  };
  for (const node of [machine.root, ...nodes]) {
    for (const def of node.invoke as readonly { id: string }[]) {
      for (const prefix of ['xstate.done.actor.', 'xstate.error.actor.', 'xstate.snapshot.'])
        found.types.add(prefix + def.id);
    }
    for (const a of node.entry) visit(a);
    for (const a of node.exit) visit(a);
    for (const t of transitionsOf(node)) for (const a of t.actions) visit(a);
    const initial = node.initial as { actions?: readonly unknown[] } | undefined;
    for (const a of initial?.actions ?? []) visit(a);
  }
  return found;
}

/** Refuse a machine that could never run correctly under the driver. */
export function validateMachine(machine: AnyStateMachine): void {
  const nodes = allNodes(machine);
  const other = otherEvents(machine, nodes);
  for (const node of [machine.root, ...nodes]) checkNode(machine, node, other);
  checkReachable(machine, nodes);
  checkEventlessCycles(nodes);
}

function fires(type: string, other: OtherEvents): boolean {
  if (type === '' || type.startsWith(DONE_STATE) || other.any) return true;
  for (const e of DRIVER_EVENTS) if (matchesEventDescriptor(e, type)) return true;
  for (const e of other.types) if (matchesEventDescriptor(e, type)) return true;
  return false;
}

function checkNode(machine: AnyStateMachine, node: AnyStateNode, other: OtherEvents): void {
  const name = stateName(node);
  for (const t of transitionsOf(node)) {
    const type = t.eventType;
    if (type.startsWith('xstate.after.')) {
      throw new InvalidMachineError(name, 'after', 'delayed transitions (`after`) cannot run inside a parser');
    }
    if (fires(type, other)) continue;
    throw new InvalidMachineError(
      name,
      'event',
      `a transition on "${type}" never fires: the driver sends only read, chunk, done and eof`,
    );
  }
  for (const t of (node.always ?? []) as unknown as TransitionDef[]) {
    // A targetless one that fails (`fail(code)` among its actions) ends the run instead: it terminates.
    if ((!t.target || t.target.length === 0) && !t.actions.some((a) => failCodeOf(machine, a) !== null)) {
      throw new InvalidMachineError(
        name,
        'always',
        'an `always` transition without a target would run forever (unless it fails)',
      );
    }
  }
  if (node.type !== 'atomic') return;
  const spec = readSpecOf(node);
  if (spec === undefined) {
    // An unguarded `always` here or on an ancestor: the state never waits.
    let transient = false;
    for (let n: AnyStateNode | undefined = node; n && !transient; n = n.parent) {
      transient = ((n.always ?? []) as unknown as TransitionDef[]).some((t) => t.guard === undefined);
    }
    if (!transient) {
      throw new InvalidMachineError(
        name,
        'read',
        'a waiting state must declare `meta.read` (or leave by an unguarded `always`)',
      );
    }
    return;
  }
  if (typeof spec === 'function') return; // checked when it runs
  if (!isReadRequest(spec)) {
    throw new InvalidMachineError(
      name,
      'read',
      '`meta.read` must be a read request (bytes(), until(), ...) or a function returning one',
    );
  }
  const needed = isStreaming(spec) ? ['chunk', 'done'] : ['read'];
  for (const type of needed) {
    if (!handles(node, type)) {
      throw new InvalidMachineError(
        name,
        'read',
        `its ${spec.kind} read delivers "${type}" events, which the state does not handle`,
      );
    }
  }
}

function children(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states) as AnyStateNode[];
}

function checkReachable(machine: AnyStateMachine, nodes: AnyStateNode[]): void {
  const reached = new Set<AnyStateNode>();
  const descended = new Set<AnyStateNode>();
  const stack: AnyStateNode[] = [];
  const mark = (n: AnyStateNode) => {
    if (reached.has(n)) return;
    reached.add(n);
    stack.push(n);
  };
  // What entering `n` by default enters: its initial child, every region of a parallel state,
  // the default target of a history state.
  const descend = (n: AnyStateNode) => {
    mark(n);
    if (descended.has(n)) return;
    descended.add(n);
    if (n.type === 'compound') {
      const initial = (n.initial as { target?: readonly AnyStateNode[] } | undefined)?.target?.[0];
      if (initial) descend(initial);
    } else if (n.type === 'parallel') {
      for (const c of children(n)) if (c.type !== 'history') descend(c);
    } else if (n.type === 'history' && n.parent) {
      const target = (n.config as { target?: unknown }).target;
      const named = typeof target === 'string' ? (n.parent.states[target] as AnyStateNode | undefined) : undefined;
      descend(named ?? n.parent);
    }
  };
  const enter = (target: AnyStateNode) => {
    for (let a = target.parent; a; a = a.parent) {
      mark(a);
      if (a.type === 'parallel')
        for (const c of children(a)) if (c.type !== 'history' && !isWithin(target, c)) descend(c);
    }
    descend(target);
  };
  enter(machine.root);
  while (stack.length > 0) {
    const node = stack.pop() as AnyStateNode;
    for (const t of transitionsOf(node)) for (const target of t.target ?? []) enter(target);
  }
  for (const node of nodes) {
    if (!reached.has(node))
      throw new InvalidMachineError(stateName(node), 'unreachable', 'no transition leads to this state');
  }
}
function checkEventlessCycles(nodes: AnyStateNode[]): void {
  // Depth-first search over "enters without reading" edges between atomic states.
  const color = new Map<AnyStateNode, 1 | 2>();
  const path: AnyStateNode[] = [];
  const visit = (node: AnyStateNode) => {
    color.set(node, 1);
    path.push(node);
    for (const t of eventlessFrom(node)) {
      const next = landing(t);
      if (next === null) continue;
      const c = color.get(next);
      if (c === 1) {
        const cycle = path.slice(path.indexOf(next)).concat(next).map(stateName).join(' -> ');
        throw new InvalidMachineError(stateName(next), 'cycle', `a cycle of transitions that read nothing: ${cycle}`);
      }
      if (c === undefined) visit(next);
    }
    path.pop();
    color.set(node, 2);
  };
  for (const node of nodes) {
    if ((node.type === 'atomic' || node.type === 'final') && !color.has(node)) visit(node);
  }
}
