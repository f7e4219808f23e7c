/**
 * The generated read loop. For a state whose read can be completed from the
 * first buffered chunk without any bookkeeping across arrivals, the loop
 * completes it inline, then selects and takes the transition, and goes on
 * with the next state's read, all in one function generated for the machine:
 *
 * - `bytes(n)` (static or returned by the state's read function), not partial, n > 0;
 * - `until` with one delimiter, no `validate` and no `measure`.
 *
 * Each read's decoder (`map`), guard chain and actions are then called from
 * a call site of their own, with no event dispatch, read-kind switch or
 * executor layers between them. Anything else (a read spread over chunks,
 * one that must wait, other kinds, eventless and done-event settling of a
 * transition that needs it) goes to the driver's general loop or to the
 * executor, which give the same results: the executors-agree laws run every
 * shipped machine through both.
 *
 * @module
 */
import type { ReadResult } from '../read-result.js';
import type { ReadRequest } from '../reads.js';
import type { ActionArgs, CompiledState, CompiledTransition, Program } from './compile.js';
import type { Writer } from './generate.js';

/** What the generated loop reads and calls on the executor (its internal surface). */
export interface FastHost {
  current: CompiledState;
  readonly done: boolean;
  readonly args: ActionArgs;
  readonly npending: number;
  /** The stream offset where the step under way started (for error positions). */
  stepStart: number;
  /** The step's event once its read completed, else `null` (for error positions). */
  stepEvent: unknown;
  /** A read the loop got from a state's read function but could not complete: the driver's to run. */
  pendingRead: ReadRequest | null;
  /** Where an `until` the loop could not complete may resume its search, or -1. */
  resumeScan: number;
  /** Deliver the outputs of the step (as the executor's macrostep does). */
  deliver(): void;
  /** A step failed: drop its outputs and queued done events. */
  abort(): void;
  /** Enter the target of `t` and settle (eventless transitions, done events, the end). */
  land(t: CompiledTransition): void;
  /** The error a throwing guard of a read transition becomes. */
  guardFailed(e: unknown): unknown;
  /** The error for a read no transition takes. */
  unhandled(): unknown;
  /** With `poisonEvents`: poison the event of the step just taken and give a new one. */
  renew(event: ReadResult): ReadResult;
}

/** The read kinds the loop completes inline, as source; `null` when the state's read is not one. */
function staticRead(w: Writer, read: ReadRequest, name: string): string[] | null {
  if (read.kind === 'bytes') {
    if (read.partial || read.n === 0) return null;
    const n = read.n;
    const map = read.map == null ? null : w.ref(read.map, `${name}_map`);
    return [
      `    if (q.length < ${n}) return steps;`,
      '    const c = q.headChunk(); const h = q.headIndex();',
      `    if (h + ${n} > c.length) return steps;`,
      '    x.stepStart = q.consumed; x.stepEvent = null;',
      `    ev.setRange(c, h, h + ${n}, ${map === null ? 'undefined' : `${map}(c, h, h + ${n})`}, -1);`,
      `    q.skip(${n});`,
    ];
  }
  if (read.kind === 'until') {
    if (read.delimiters.length !== 1 || read.validate !== null || read.measure !== null) return null;
    const d = read.delimiters[0];
    if (d.length === 0) return null;
    const delim = w.ref(d, `${name}_delimiter`);
    const map = read.map == null ? null : w.ref(read.map, `${name}_map`);
    const end = read.strip ? 'j' : `j + ${d.length}`;
    return [
      '    if (q.length === 0) return steps;',
      `    const j = q.findInFirst(${delim}, 0, ${String(read.maxBytes)});`,
      '    if (j < 0) { x.resumeScan = q.resume; return steps; }',
      '    const c = q.headChunk(); const h = q.headIndex();',
      '    x.stepStart = q.consumed; x.stepEvent = null;',
      `    ev.setRange(c, h, ${end}, ${map === null ? 'undefined' : `${map}(c, h, ${end})`}, 0);`,
      `    q.skip(j - h + ${d.length});`,
    ];
  }
  return null;
}

/** A state's read function's result, completed inline when it is a `bytes(n)` in the first chunk. */
function dynamicRead(w: Writer, state: CompiledState): string[] {
  const fn = w.ref(state.readFn, `${state.name}_read`);
  return [
    `    const r = ${fn}(args);`,
    "    if (typeof r !== 'object' || r === null || r.kind !== 'bytes' || r.partial || r.n === 0) { x.pendingRead = r; return steps; }",
    '    const n = r.n;',
    '    const c = q.headChunk(); const h = q.headIndex();',
    '    if (q.length < n || h + n > c.length) { x.pendingRead = r; return steps; }',
    '    x.stepStart = q.consumed; x.stepEvent = null;',
    '    const m = r.map;',
    '    ev.setRange(c, h, h + n, m === null || m === undefined ? undefined : m(c, h, h + n), -1);',
    '    q.skip(n);',
  ];
}

/** Whether taking `t` from `from` needs the executor's settling (an eventless transition, a done event, the end). */
function needsLanding(t: CompiledTransition, from: CompiledState): boolean {
  const to = t.target ?? from;
  return t.ends || t.raises !== null || to.always.length > 0 || to.final;
}

/** Append the source of `function fast(x, q, ev, budget, poison)` to `body`. */
export function writeFastLoop(program: Program, w: Writer, body: string[]): void {
  const cases: string[] = [];
  for (const state of program.states) {
    if (state.onRead.length === 0) continue;
    const read =
      state.read !== null
        ? staticRead(w, state.read, state.name)
        : state.readFn !== null
          ? dynamicRead(w, state)
          : null;
    if (read === null) continue;
    cases.push(`  case ${state.index}: { // "${state.name}"`, ...read);
    cases.push('    args.event = ev; x.stepEvent = ev;');
    cases.push('    let i;');
    cases.push(`    try { i = select_${state.index}_onRead(args); } catch (e) { throw x.guardFailed(e); }`);
    cases.push('    switch (i) {');
    state.onRead.forEach((t, i) => {
      const land = needsLanding(t, state)
        ? ` x.land(${w.ref(t, 'transition')});`
        : t.target !== null && t.target !== state
          ? ` x.current = ${w.ref(t.target, `state_${t.target.name}`)};`
          : '';
      cases.push(
        `      case ${i}: try { run_${state.index}_onRead_${i}(args, x);${land} } catch (e) { x.abort(); throw e; } break;`,
      );
    });
    cases.push('      default: throw x.unhandled();');
    cases.push('    }');
    cases.push('    if (x.npending !== 0) x.deliver();');
    cases.push('    if (poison) ev = x.renew(ev);');
    cases.push('    break;');
    cases.push('  }');
  }
  body.push('// The read loop: reads completed in the first chunk, each state inline (see fast.ts).');
  body.push('function fast(x, q, ev, budget, poison) {');
  body.push('  const args = x.args;');
  body.push('  let steps = 0;');
  body.push('  for (; steps < budget && !x.done; steps++) {');
  body.push('  switch (x.current.index) {');
  body.push(...cases);
  body.push('  default: return steps;');
  body.push('  }');
  body.push('  }');
  body.push('  return steps;');
  body.push('}');
}
