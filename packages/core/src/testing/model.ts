/**
 * Model-based inputs: walk a protocol's machine with `@xstate/graph` and turn
 * each path into the bytes that drive the parser down it, so that every
 * reachable state and every transition the candidate events can take is
 * visited.
 *
 * @module
 */

import { getAdjacencyMap, getShortestPaths } from '@xstate/graph';
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { concatBytes } from '../bytes.js';
import { activeLeaf, readSpecOf } from '../machine/nodes.js';
import type { ReadEvent, ReadRequest } from '../reads.js';
import { canonical } from './outcome.js';

/** A candidate read result: the event the driver would send, and the bytes it consumes. */
export interface ModelStep {
  event: ReadEvent;
  /** The bytes this step consumes (the delimiter too, for a stripped `until`); empty for `done` and `eof`. */
  bytes: Uint8Array;
}

/** What the machine waits in, for choosing candidate steps. */
export interface ModelState {
  value: unknown;
  context: any;
  /** The read the state waits for (`null` when the machine is done). */
  read: ReadRequest | null;
}

/** Options of {@link modelInputs}. */
export interface ModelOptions {
  /** Candidate steps from a state: valid and invalid read results the protocol should meet. */
  steps: (state: ModelState) => ModelStep[];
  /** The machine's input. */
  input?: unknown;
  /** How states are told apart (default: value and context). Coarser keys keep the walk small. */
  stateKey?: (state: ModelState) => string;
  /** Most states to visit (default 10,000). */
  limit?: number;
}

/** One generated input. */
export interface ModelInput {
  /** The bytes, in order. */
  bytes: Uint8Array;
  /** `true` when the path ends with `eof`: end the input after the bytes. */
  end: boolean;
  /** The events of the path, as text, for reports. */
  path: string[];
}

type Carried = ReadEvent & { readonly [BYTES]?: Uint8Array };
const BYTES = Symbol('wiremachine.model.bytes');

function stateOf(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): ModelState {
  if (snapshot.status === 'done') return { value: snapshot.value, context: snapshot.context, read: null };
  const spec = readSpecOf(activeLeaf(machine, snapshot.value));
  const read = spec === undefined ? null : typeof spec === 'function' ? spec({ context: snapshot.context }) : spec;
  return { value: snapshot.value, context: snapshot.context, read };
}

function describe(event: ReadEvent): string {
  if (event.type === 'read' || event.type === 'chunk') return `${event.type} ${event.data.length} bytes`;
  return event.type;
}

/**
 * Inputs that visit every state the candidate steps reach, and take every
 * edge from each: the shortest path to a state, then one more step.
 *
 * @example
 * ```ts
 * const inputs = modelInputs(frameProtocol, {
 *   steps: ({ read }) => read?.kind === 'bytes' && read.n === 4
 *     ? [step(u32(3)), step(u32(1 << 30)), eof()]
 *     : [step(new Uint8Array(read.n))],
 * });
 * ```
 */
export function modelInputs(machine: AnyStateMachine, options: ModelOptions): ModelInput[] {
  const key = options.stateKey ?? ((s: ModelState) => canonical({ value: s.value, context: s.context }));
  const traversal = {
    input: options.input,
    limit: options.limit ?? 10_000,
    serializeState: (snapshot: AnyMachineSnapshot) => key(stateOf(machine, snapshot)),
    serializeEvent: (event: Carried) => `${event.type}:${canonical(event[BYTES] ?? null)}`,
    events: (snapshot: AnyMachineSnapshot) =>
      snapshot.status === 'done'
        ? []
        : options
            .steps(stateOf(machine, snapshot))
            .map((s) => Object.assign({}, s.event, { [BYTES]: s.bytes }) as Carried),
  };
  const paths = new Map<string, Carried[]>();
  for (const path of getShortestPaths(machine, traversal as never)) {
    paths.set(
      traversal.serializeState(path.state as AnyMachineSnapshot),
      path.steps.map((s) => s.event as Carried),
    );
  }
  const adjacency = getAdjacencyMap(machine, traversal as never);
  const out = new Map<string, ModelInput>();
  for (const [from, value] of Object.entries(adjacency)) {
    const prefix = paths.get(from);
    if (prefix === undefined) continue;
    for (const edge of Object.values(value.transitions) as Array<{ event: Carried }>) {
      const events = prefix.concat(edge.event);
      const end = events.findIndex((e) => e.type === 'eof');
      const used = end < 0 ? events : events.slice(0, end + 1);
      const parts = used.map((e) => e[BYTES] ?? new Uint8Array(0));
      const bytes = concatBytes(parts);
      const input: ModelInput = { bytes, end: end >= 0, path: used.map(describe) };
      out.set(`${canonical(bytes)}|${input.end}`, input);
    }
  }
  return [...out.values()];
}

/** A `read` step that consumes `bytes` (and delivers `data`, by default the same bytes). */
export function readStep(bytes: Uint8Array, data: Uint8Array = bytes, delimiter = -1): ModelStep {
  // A plain object: the graph walk copies events, and a copy keeps own properties only.
  const event = { type: 'read', data, value: undefined, buf: data, start: 0, end: data.length, delimiter, match: null };
  return { event: event as ReadEvent, bytes };
}

/** The `eof` step: the input ends here, with nothing unread. */
export function eofStep(): ModelStep {
  return { event: { type: 'eof', unread: new Uint8Array(0), error: undefined }, bytes: new Uint8Array(0) };
}
