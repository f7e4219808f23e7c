/**
 * Transition coverage: which of a machine's declared transitions some inputs
 * take, counted by the compiled executor.
 *
 * @module
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { Driver } from '../driver.js';
import { allNodes, stateName, type TransitionDef, transitionsOf } from '../machine/nodes.js';

/** One declared transition and how often it was taken. */
export interface CoveredTransition {
  /** The state that declares it, as a dotted path. */
  state: string;
  /** Its event (`""` for an eventless `always` transition). */
  event: string;
  /** Its place among the state's transitions for that event (guarded lists have several). */
  index: number;
  /** Its target state, or `null` for a targetless transition. */
  target: string | null;
  hits: number;
}

/** What {@link transitionCoverage} found. */
export interface TransitionCoverage {
  transitions: CoveredTransition[];
  covered: number;
  total: number;
  /** `state --event#index--> target` for each transition never taken. */
  missed: string[];
}

/** Every transition a machine declares, in document order, with a readable label. */
export function declaredTransitions(
  machine: AnyStateMachine,
): Array<{ def: TransitionDef; label: Omit<CoveredTransition, 'hits'> }> {
  const out: Array<{ def: TransitionDef; label: Omit<CoveredTransition, 'hits'> }> = [];
  for (const node of [machine.root, ...allNodes(machine)] as AnyStateNode[]) {
    const seen = new Map<string, number>();
    for (const def of transitionsOf(node)) {
      const event = def.eventType;
      const index = seen.get(event) ?? 0;
      seen.set(event, index + 1);
      const target = def.target?.[0];
      out.push({ def, label: { state: stateName(node), event, index, target: target ? stateName(target) : null } });
    }
  }
  return out;
}

/**
 * Run `inputs` (each a byte array, or a list of chunks, ended after its last
 * chunk) through the compiled executor and count the declared transitions
 * taken.
 *
 * @example
 * ```ts
 * const report = transitionCoverage(frameProtocol, modelInputs(frameProtocol, { events }).map((m) => m.bytes));
 * expect(report.missed).toEqual([]);
 * ```
 */
export function transitionCoverage(
  machine: AnyStateMachine,
  inputs: Iterable<Uint8Array | readonly Uint8Array[]>,
  options: { input?: unknown; maxBufferSize?: number } = {},
): TransitionCoverage {
  const declared = declaredTransitions(machine);
  const hits = new Map<TransitionDef, number>(declared.map((d) => [d.def, 0]));
  for (const input of inputs) {
    const driver = new Driver(machine, {
      input: options.input,
      maxBufferSize: options.maxBufferSize,
      onError: () => {},
      onTransition: (def) => hits.set(def, (hits.get(def) ?? 0) + 1),
    });
    for (const chunk of input instanceof Uint8Array ? [input] : input) if (!driver.feed(chunk)) break;
    driver.end();
  }
  const transitions = declared.map((d) => ({ ...d.label, hits: hits.get(d.def) ?? 0 }));
  const missed = transitions
    .filter((t) => t.hits === 0)
    .map((t) => `${t.state} --${t.event || '(always)'}#${t.index}--> ${t.target ?? '(self)'}`);
  return { transitions, covered: transitions.length - missed.length, total: transitions.length, missed };
}
