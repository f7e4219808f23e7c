/**
 * The generated read loop. For a state whose read can be completed from the
 * first buffered chunk without any bookkeeping across arrivals, the loop
 * completes it inline, then selects and takes the transition, and goes on
 * with the next state's read, all in one function generated for the machine:
 *
 * - `bytes(n)`, not partial, n > 0;
 * - `until` with one delimiter and no `validate` (a static one of one or two bytes searched inline);
 * - `until` with a `measure` that finds the record in the first chunk;
 *
 * whether the state's read is static or returned by its read function.
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
  /** The loop stopped at a read that needs bytes, with none buffered: the driver waits for input. */
  starved: boolean;
  /** Where an `until` the loop could not complete may resume its search, or -1. */
  resumeScan: number;
  /** The loop asked an `until`'s `measure`, which did not find the record: the driver's loop does not ask again. */
  measured: boolean;
  /** Deliver the outputs of the step (as the executor's macrostep does). */
  deliver(): void;
  /** A step failed: drop its outputs and queued done events. */
  abort(): void;
  /** Enter the target of `t` and settle (eventless transitions, done events, the end). */
  land(t: CompiledTransition): void;
  /** The error a throwing guard of a read transition becomes. */
  guardFailed(e: unknown): unknown;
  /** The error for a record `measure` found longer than the bytes it was given or than `maxBytes`. */
  badMeasure(n: number, first: number, maxBytes: number): unknown;
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
      `    if (q.length < ${n}) { x.starved = q.length === 0; return false; }`,
      '    const c = q.headChunk(); const h = q.headIndex();',
      `    if (h + ${n} > c.length) return false;`,
      `    ev.setRange(c, h, h + ${n}, ${map === null ? 'undefined' : `${map}(c, h, h + ${n})`}, -1);`,
      `    q.skip(${n});`,
    ];
  }
  if (read.kind === 'until' && read.measure !== null) {
    // The measure finds the record whole in the first chunk, or the driver's loop searches (without measuring again).
    const measure = w.ref(read.measure, `${name}_measure`);
    const map = read.map == null ? null : w.ref(read.map, `${name}_map`);
    return [
      '    if (q.length === 0) { x.starved = true; return false; }',
      '    const c = q.headChunk(); const h = q.headIndex();',
      `    const n = ${measure}(c, h, c.length, q.consumed);`,
      '    if (n <= 0) { x.measured = n < 0; return false; }',
      `    if (n > c.length - h || n > ${String(read.maxBytes)}) throw x.badMeasure(n, c.length - h, ${String(read.maxBytes)});`,
      `    ev.setRange(c, h, h + n, ${map === null ? 'undefined' : `${map}(c, h, h + n)`}, 0);`,
      '    q.skip(n);',
    ];
  }
  if (read.kind === 'until') {
    if (read.delimiters.length !== 1 || read.validate !== null) return null;
    const d = read.delimiters[0];
    if (d.length === 0) return null;
    const map = read.map == null ? null : w.ref(read.map, `${name}_map`);
    const end = read.strip ? 'j' : `j + ${d.length}`;
    return [
      '    if (q.length === 0) { x.starved = true; return false; }',
      ...findDelimiter(w, d, read.maxBytes, name),
      `    ev.setRange(c, h, ${end}, ${map === null ? 'undefined' : `${map}(c, h, ${end})`}, 0);`,
      `    q.skip(j - h + ${d.length});`,
    ];
  }
  return null;
}

/** A limit at least this large cannot bind within one chunk (a typed array's length is below 2^32). */
const UNBOUNDED = 2 ** 32;

/** Bytes scanned in a plain loop before a search goes to the native `indexOf`. */
const SHORT_SCAN = 64;

/**
 * Source that finds the delimiter `d` in the first chunk (`c`, head at `h`)
 * with the whole match within `maxBytes` of the head, leaving its index in
 * `j`, or returns `false` having set where a search may resume. A delimiter
 * of one or two bytes is searched inline: short spans in a loop, long ones
 * by the native search of its first byte; a longer one by the queue.
 */
function findDelimiter(w: Writer, d: Uint8Array, maxBytes: number, name: string): string[] {
  if (d.length > 2) {
    return [
      `    const j = q.findInFirst(${w.ref(d, `${name}_delimiter`)}, 0, ${String(maxBytes)});`,
      '    if (j < 0) { x.resumeScan = q.resume; return false; }',
      '    const c = q.headChunk(); const h = q.headIndex();',
    ];
  }
  const b0 = d[0];
  const second = d.length === 2 ? ` && c[j + 1] === ${d[1]}` : '';
  return [
    '    const c = q.headChunk(); const h = q.headIndex();',
    // The last index in `c` a whole match may start at.
    // (Without a limit, no Infinity in the sum: the positions stay small integers.)
    maxBytes >= UNBOUNDED
      ? `    const last = c.length - ${d.length};`
      : `    const last = Math.min(c.length, h + ${maxBytes}) - ${d.length};`,
    '    let j = h;',
    `    const short = Math.min(last, h + ${SHORT_SCAN});`,
    `    while (j <= short && !(c[j] === ${b0}${second})) j++;`,
    '    if (j > short) {',
    '      for (;;) {',
    `        j = j > last ? -1 : c.indexOf(${b0}, j);`,
    `        if (j < 0 || j > last) { const k = Math.max(0, last - h + 1); q.countExamined(k); x.resumeScan = k; return false; }`,
    ...(d.length === 2 ? [`        if (c[j + 1] === ${d[1]}) break;`, '        j++;'] : ['        break;']),
    '      }',
    '    }',
    `    q.countExamined(j - h + ${d.length});`,
  ];
}

/**
 * A state's read function's result, completed inline when it is one of the
 * kinds the loop runs (see the module comment), looked at when it comes;
 * otherwise handed to the driver's loop as it is (the function is not asked
 * again).
 */
function dynamicRead(w: Writer, state: CompiledState): string[] {
  const fn = w.ref(state.readFn, `${state.name}_read`);
  return [
    `    const r = ${fn}(args);`,
    "    if (typeof r !== 'object' || r === null) { x.pendingRead = r; return false; }",
    // Nothing buffered: a bytes(n > 0) or an until waits (the function is asked again when bytes come).
    '    if (q.length === 0) {',
    "      if ((r.kind === 'bytes' && r.n > 0) || r.kind === 'until') x.starved = true;",
    '      else x.pendingRead = r;',
    '      return false;',
    '    }',
    '    const c = q.headChunk(); const h = q.headIndex();',
    // The read's bytes are c[h, e); it consumes k bytes.
    '    let e; let k; let d = -1;',
    "    if (r.kind === 'bytes') {",
    '      k = r.n;',
    '      if (r.partial || k === 0 || h + k > c.length) { x.pendingRead = r; return false; }',
    '      e = h + k;',
    "    } else if (r.kind === 'until' && r.measure !== null) {",
    '      k = r.measure(c, h, c.length, q.consumed);',
    '      if (k <= 0) { x.pendingRead = r; x.measured = k < 0; return false; }',
    '      if (k > c.length - h || k > r.maxBytes) throw x.badMeasure(k, c.length - h, r.maxBytes);',
    '      e = h + k; d = 0;',
    "    } else if (r.kind === 'until' && r.validate === null && r.delimiters.length === 1) {",
    '      const delimiter = r.delimiters[0];',
    '      const j = q.findInFirst(delimiter, 0, r.maxBytes);',
    '      if (j < 0) { x.pendingRead = r; x.resumeScan = q.resume; return false; }',
    '      e = r.strip ? j : j + delimiter.length; k = j - h + delimiter.length; d = 0;',
    '    } else { x.pendingRead = r; return false; }',
    '    const m = r.map;',
    '    ev.setRange(c, h, e, m === null || m === undefined ? undefined : m(c, h, e), d);',
    '    q.skip(k);',
  ];
}

/** Whether taking `t` from `from` needs the executor's settling (an eventless transition, a done event, the end). */
function needsLanding(t: CompiledTransition, from: CompiledState): boolean {
  const to = t.target ?? from;
  return t.ends || t.raises !== null || to.always.length > 0 || to.final;
}

/**
 * Append the source of the read loop to `body`: per state, `step_K(x, q, ev,
 * args)`, which takes one step and returns `true`, or returns `false`
 * having changed nothing when the read cannot be completed inline; then
 * `fast(x, q, ev, budget, poison)`, which runs them.
 */
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
    const k = state.index;
    cases.push(`    case ${k}: ok = step_${k}(x, q, ev, args); break;`);
    body.push(`// state "${state.name}": one step of the read loop`);
    // Where the step starts, before any of the machine's functions (a read function, a measure) may throw.
    body.push(`function step_${k}(x, q, ev, args) {`, '    x.stepStart = q.consumed; x.stepEvent = null;', ...read);
    body.push('    args.event = ev; x.stepEvent = ev;');
    body.push('    let i;');
    body.push(`    try { i = select_${k}_onRead(args); } catch (e) { throw x.guardFailed(e); }`);
    body.push('    switch (i) {');
    state.onRead.forEach((t, i) => {
      const land = needsLanding(t, state)
        ? ` x.land(${w.ref(t, 'transition')});`
        : t.target !== null && t.target !== state
          ? ` x.current = ${w.ref(t.target, `state_${t.target.name}`)};`
          : '';
      body.push(
        `      case ${i}: try { run_${k}_onRead_${i}(args, x);${land} } catch (e) { x.abort(); throw e; } break;`,
      );
    });
    body.push('      default: throw x.unhandled();');
    body.push('    }');
    body.push('    if (x.npending !== 0) x.deliver();');
    body.push('    return true;');
    body.push('}');
  }
  body.push('// The read loop: reads completed in the first chunk, each state by its step function (see fast.ts).');
  body.push('function fast(x, q, ev, budget, poison) {');
  body.push('  const args = x.args;');
  body.push('  let steps = 0;');
  body.push('  for (; steps < budget && !x.done; steps++) {');
  body.push('    let ok;');
  body.push('    switch (x.current.index) {');
  body.push(...cases);
  body.push('    default: return steps;');
  body.push('    }');
  body.push('    if (!ok) return steps;');
  body.push('    if (poison) ev = x.renew(ev);');
  body.push('  }');
  body.push('  return steps;');
  body.push('}');
}
