/**
 * Checks a protocol machine when it is defined, before any byte is read, in
 * the spirit of llparse's loop checker: waiting states without a read,
 * unreachable states, cycles that read nothing, and events the driver never
 * sends are refused with an error that names the state.
 *
 * These checks apply to both executors; the compiler adds its own subset check.
 *
 * @module
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { InvalidMachineError } from '../errors.js';
import { isStreaming, type ReadRequest } from '../reads.js';
import {
  allNodes,
  DRIVER_EVENTS,
  initialDescent,
  readSpecOf,
  stateName,
  type TransitionDef,
  transitionsOf,
} from './nodes.js';

const DONE_STATE = 'xstate.done.state.';

function handles(node: AnyStateNode, eventType: string): boolean {
  for (let n: AnyStateNode | undefined = node; n; n = n.parent) if (n.transitions.has(eventType)) return true;
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
    const list = node.parent.transitions.get(DONE_STATE + node.parent.id);
    if (list) out.push(...(list as unknown as TransitionDef[]));
  }
  return out;
}

/** Refuse a machine that could never run correctly under the driver. */
export function validateMachine(machine: AnyStateMachine): void {
  const nodes = allNodes(machine);
  for (const node of [machine.root, ...nodes]) checkNode(node);
  checkReachable(machine, nodes);
  checkEventlessCycles(nodes);
}

function checkNode(node: AnyStateNode): void {
  const name = stateName(node);
  for (const t of transitionsOf(node)) {
    const type = t.eventType;
    if (type === '' || DRIVER_EVENTS.has(type) || type.startsWith(DONE_STATE)) continue;
    if (type.startsWith('xstate.after')) {
      throw new InvalidMachineError(name, 'after', 'delayed transitions (`after`) cannot run inside a parser');
    }
    throw new InvalidMachineError(
      name,
      'event',
      `a transition on "${type}" never fires: the driver sends only read, chunk, done and eof`,
    );
  }
  for (const t of (node.always ?? []) as unknown as TransitionDef[]) {
    if (!t.target || t.target.length === 0) {
      throw new InvalidMachineError(name, 'always', 'an `always` transition without a target would run forever');
    }
  }
  if (node.type !== 'atomic') return;
  const spec = readSpecOf(node);
  if (spec === undefined) {
    const transient = ((node.always ?? []) as unknown as TransitionDef[]).some((t) => t.guard === undefined);
    if (!transient) {
      throw new InvalidMachineError(name, 'read', 'a waiting state must declare `meta.read` (or leave by an unguarded `always`)');
    }
    return;
  }
  if (typeof spec === 'function') return; // checked when it runs
  if (!isReadRequest(spec)) {
    throw new InvalidMachineError(name, 'read', '`meta.read` must be a read request (bytes(), until(), ...) or a function returning one');
  }
  const needed = isStreaming(spec) ? ['chunk', 'done'] : ['read'];
  for (const type of needed) {
    if (!handles(node, type)) {
      throw new InvalidMachineError(name, 'read', `its ${spec.kind} read delivers "${type}" events, which the state does not handle`);
    }
  }
}

function checkReachable(machine: AnyStateMachine, nodes: AnyStateNode[]): void {
  const reached = new Set<AnyStateNode>();
  const stack: AnyStateNode[] = [];
  const enter = (target: AnyStateNode) => {
    for (let n: AnyStateNode | undefined = target; n; n = n.parent) {
      if (reached.has(n)) break;
      reached.add(n);
      stack.push(n);
    }
    for (const n of initialDescent(target)) {
      if (!reached.has(n)) {
        reached.add(n);
        stack.push(n);
      }
    }
  };
  enter(machine.root);
  while (stack.length > 0) {
    const node = stack.pop() as AnyStateNode;
    for (const t of transitionsOf(node)) for (const target of t.target ?? []) enter(target);
  }
  for (const node of nodes) {
    if (!reached.has(node)) throw new InvalidMachineError(stateName(node), 'unreachable', 'no transition leads to this state');
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
