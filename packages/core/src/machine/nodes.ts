/**
 * Small helpers over xstate's state nodes, shared by validation, the compiler
 * and the xstate executor.
 *
 * @module
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import type { ReadRequest } from '../reads.js';

/** What a waiting state says in `meta.read`: a request, or a function of context. */
export type ReadSpec<TContext = any> = ReadRequest | ((args: { context: TContext }) => ReadRequest);

/** Transition as xstate exposes it on a state node (the public fields we use). */
export interface TransitionDef {
  readonly eventType: string;
  readonly target: readonly AnyStateNode[] | undefined;
  readonly guard: unknown;
  readonly actions: readonly unknown[];
  readonly reenter: boolean;
  readonly source: AnyStateNode;
}

/** The events the driver sends. Transitions on anything else would never fire. */
export const DRIVER_EVENTS: ReadonlySet<string> = new Set(['read', 'chunk', 'done', 'eof']);

/** A state's done event type: what entering one of its final children raises. */
export const DONE_STATE = 'xstate.done.state.';

/** Whether `descriptor` (an event type, `*` or a partial `a.*`) matches `eventType`, as xstate decides it. */
export function matchesEventDescriptor(eventType: string, descriptor: string): boolean {
  if (descriptor === eventType || descriptor === '*') return true;
  if (!descriptor.endsWith('.*')) return false;
  const partial = descriptor.split('.');
  const tokens = eventType.split('.');
  for (let i = 0; i < partial.length; i++) {
    if (partial[i] === '*') return i === partial.length - 1;
    if (partial[i] !== tokens[i]) return false;
  }
  return true;
}

/**
 * The transitions of `node` (not its ancestors) that an event of `eventType`
 * may take, in the order xstate tries them: the exact event type first, then
 * the wildcard descriptors that match it, longest first.
 */
export function candidatesOf(node: AnyStateNode, eventType: string): TransitionDef[] {
  const map = node.transitions as unknown as Map<string, TransitionDef[]>;
  const exact = map.get(eventType) ?? [];
  const wildcards = [...map.keys()]
    .filter((d) => d !== eventType && matchesEventDescriptor(eventType, d))
    .sort((a, b) => b.length - a.length)
    .flatMap((d) => map.get(d) as TransitionDef[]);
  return wildcards.length === 0 ? exact : [...exact, ...wildcards];
}

/** The dotted path of a state (`"frame.payload"`), or `"(machine)"` for the root. */
export function stateName(node: AnyStateNode): string {
  return node.path.length === 0 ? '(machine)' : node.path.join('.');
}

/** Every state node below the root, in document order. */
export function allNodes(machine: AnyStateMachine): AnyStateNode[] {
  const out: AnyStateNode[] = [];
  const walk = (n: AnyStateNode) => {
    for (const child of Object.values(n.states) as AnyStateNode[]) {
      out.push(child);
      walk(child);
    }
  };
  walk(machine.root);
  return out;
}

/** The `meta.read` of a state, if it declares one. */
export function readSpecOf(node: AnyStateNode): ReadSpec | undefined {
  const meta = node.meta as { read?: ReadSpec } | undefined;
  return meta?.read;
}

/** The transitions a node declares, eventless ones included, in document order. */
export function transitionsOf(node: AnyStateNode): TransitionDef[] {
  const out: TransitionDef[] = [];
  for (const list of node.transitions.values()) out.push(...(list as unknown as TransitionDef[]));
  if (node.always) out.push(...(node.always as unknown as TransitionDef[]));
  return out;
}

/** The node itself and its initial descendants, down to an atomic or final state. */
export function initialDescent(node: AnyStateNode): AnyStateNode[] {
  const out = [node];
  let n = node;
  while (n.type === 'compound') {
    const target = (n.initial as { target: readonly AnyStateNode[] } | undefined)?.target?.[0];
    if (target === undefined) break;
    out.push(target);
    n = target;
  }
  return out;
}

/** `true` when `node` is `ancestor` or lies below it. */
export function isWithin(node: AnyStateNode, ancestor: AnyStateNode): boolean {
  for (let n: AnyStateNode | undefined = node; n; n = n.parent) if (n === ancestor) return true;
  return false;
}

/** The atomic state the value of a snapshot points at. */
export function activeLeaf(machine: AnyStateMachine, value: unknown): AnyStateNode {
  let node: AnyStateNode = machine.root;
  let v = value;
  while (v !== undefined && v !== null) {
    if (typeof v === 'string') return node.states[v] as AnyStateNode;
    const key = Object.keys(v as object)[0];
    node = node.states[key] as AnyStateNode;
    v = (v as Record<string, unknown>)[key];
  }
  return node;
}
