/**
 * The code generator: turns a compiled {@link Program} into JavaScript
 * source, as llparse turns its graph into C and binary-parser its
 * description into JS. For each state and event, the guard chain becomes
 * straight-line code (`if (g3(args, P3)) return 0; ...`), and each
 * transition's actions one function that calls them in order: every user
 * guard and action is called from a call site of its own, which V8 can
 * inline, instead of from one loop shared by every machine.
 *
 * The executor calls the generated functions where the closure program has
 * lists; where `new Function` is forbidden (a strict Content Security
 * Policy), it runs the closures, with the same semantics. `source(program)`
 * returns the text, for reading (`wiremachine compile <protocol>`).
 *
 * @module
 */

import type { AnyStateMachine } from 'xstate';
import type { ByteQueue } from '../byte-queue.js';
import { conditionalEmit } from '../protocol.js';
import type { ReadResult } from '../read-result.js';
import type { CompiledAction, CompiledGuard, CompiledState, CompiledTransition, Program, Spec } from './compile.js';
import { compile, specOf } from './compile.js';
import { type FastHost, writeFastLoop } from './fast.js';

/** What the generated module gives back: per state, its selectors; per transition, its actions; the read loop. */
export interface Generated {
  /** `select[state][event]`: the index of the transition taken in that list, or -1. Events: read, chunk, done, eof, always. */
  readonly select: ((args: any) => number)[][];
  /** `run[state][event][i]`: the actions of that transition, in order. */
  readonly run: ((args: any, host: any) => void)[][][];
  /** The machine's read loop (see {@link FastLoop}). */
  readonly fast: FastLoop;
}

/**
 * The generated read loop: while the current state's read can be completed
 * from the first buffered chunk (see fast.ts for which reads), it completes
 * it, selects and takes the transition and goes on, all in one function of
 * this machine, and returns how many steps it took; the driver's general
 * loop does everything else.
 */
export type FastLoop = (exec: FastHost, queue: ByteQueue, event: ReadResult, budget: number, poison: boolean) => number;

const EVENTS = ['onRead', 'onChunk', 'onDone', 'onEof', 'always'] as const;

export class Writer {
  readonly names: string[] = [];
  readonly values: unknown[] = [];
  readonly lines: string[] = [];
  private readonly ids = new Map<unknown, string>();

  /** A name in the generated code for `value` (a function, params, a constant). */
  ref(value: unknown, hint: string): string {
    let id = this.ids.get(value);
    if (id === undefined) {
      const safe = hint.replace(/[^A-Za-z0-9_$]/g, '_').slice(0, 24) || 'v';
      id = `${safe}_${this.names.length}`;
      this.ids.set(value, id);
      this.names.push(id);
      this.values.push(value);
    }
    return id;
  }

  params(params: unknown, hint: string): string {
    if (params === undefined) return 'undefined';
    if (typeof params === 'function') return `${this.ref(params, `${hint}_params`)}(args)`;
    return this.ref(params, `${hint}_params`);
  }

  guard(g: CompiledGuard): string {
    const spec = specOf(g);
    if (spec === undefined) return `${this.ref(g, 'guard')}(args)`;
    switch (spec.kind) {
      case 'call':
        return `${this.ref(spec.fn, spec.name || 'guard')}(args, ${this.params(spec.params, spec.name || 'guard')})`;
      case 'and':
        return spec.parts.length === 0 ? 'true' : `(${spec.parts.map((p) => this.guard(p)).join(' && ')})`;
      case 'or':
        return spec.parts.length === 0 ? 'false' : `(${spec.parts.map((p) => this.guard(p)).join(' || ')})`;
      case 'not':
        return `!${this.guard(spec.parts[0])}`;
      default:
        return `${this.ref(g, 'guard')}(args)`;
    }
  }

  /** Statements that run one action. */
  action(a: CompiledAction, out: string[]): void {
    const spec: Spec | undefined = specOf(a);
    if (spec === undefined) {
      out.push(`  ${this.ref(a, 'action')}(args, host);`);
      return;
    }
    switch (spec.kind) {
      case 'call': {
        const name = spec.name || 'action';
        out.push(`  ${this.ref(spec.fn, name)}(args, ${this.params(spec.params, name)});`);
        return;
      }
      case 'emit': {
        const make = conditionalEmit(spec.fn);
        if (make !== undefined) {
          // emitIf: its `make` from a call site of this machine's, nothing emitted for null or undefined.
          out.push(`  { const o = ${this.ref(make, 'emitIf')}(args, ${this.params(spec.params, 'emit')});`);
          out.push('    if (o !== null && o !== undefined) host.output(o); }');
          return;
        }
        out.push(`  host.output(${this.ref(spec.fn, 'emit')}(args, ${this.params(spec.params, 'emit')}));`);
        return;
      }
      case 'emitConst':
        out.push(`  host.output(${this.ref(spec.value, 'output')});`);
        return;
      case 'assign':
        this.assign(spec.assignment, spec.params, out);
        return;
      default:
        out.push(`  ${this.ref(a, 'action')}(args, host);`);
    }
  }

  private assign(assignment: unknown, params: unknown, out: string[]): void {
    const p = params === undefined ? 'undefined' : this.params(params, 'assign');
    if (typeof assignment === 'function') {
      out.push(`  Object.assign(args.context, ${this.ref(assignment, 'assign')}(args, ${p}));`);
      return;
    }
    const entries = Object.entries(assignment as Record<string, unknown>);
    if (entries.length === 0) return;
    const value = (v: unknown, key: string) =>
      typeof v === 'function' ? `${this.ref(v, key)}(args, p)` : this.ref(v, `${key}_value`);
    // Every property is computed from the context as it was before the action, then written.
    out.push(`  { const p = ${p};`);
    entries.forEach(([key, v], i) => void out.push(`    const v${i} = ${value(v, key)};`));
    entries.forEach(([key], i) => void out.push(`    args.context[${JSON.stringify(key)}] = v${i};`));
    out.push('  }');
  }
}

function label(t: CompiledTransition): string {
  return t.target === null ? '(stays)' : `-> ${t.target.name}`;
}

/** The generated source and what its names stand for. */
export function generate(program: Program): { source: string; names: string[]; values: unknown[] } {
  const w = new Writer();
  const body: string[] = [];
  const selects: string[] = [];
  const runs: string[] = [];
  for (const state of program.states) {
    const sel: string[] = [];
    const run: string[] = [];
    for (const kind of EVENTS) {
      const list = (state as CompiledState)[kind] as CompiledTransition[];
      if (list.length === 0) {
        sel.push('none');
        run.push('[]');
        continue;
      }
      const fname = `select_${state.index}_${kind}`;
      body.push(`// state "${state.name}", ${kind}`);
      body.push(`function ${fname}(args) {`);
      list.forEach((t, i) => {
        if (t.guard === null) body.push(`  return ${i}; // ${label(t)}`);
        else body.push(`  if (${w.guard(t.guard)}) return ${i}; // ${label(t)}`);
      });
      if (list.length === 0 || list[list.length - 1].guard !== null) body.push('  return -1;');
      body.push('}');
      sel.push(fname);
      const names: string[] = [];
      list.forEach((t, i) => {
        const rname = `run_${state.index}_${kind}_${i}`;
        body.push(`function ${rname}(args, host) { // ${state.name} ${kind} ${label(t)}`);
        for (const a of t.actions) w.action(a, body);
        body.push('}');
        names.push(rname);
      });
      run.push(`[${names.join(', ')}]`);
    }
    selects.push(`[${sel.join(', ')}]`);
    runs.push(`[${run.join(', ')}]`);
  }
  writeFastLoop(program, w, body);
  const source = [
    `// Generated by wiremachine from the machine "${program.machine.id}": ${program.states.length} states.`,
    `'use strict';`,
    'function none() { return -1; }',
    ...body,
    `return { select: [${selects.join(',\n  ')}], run: [${runs.join(',\n  ')}], fast };`,
  ].join('\n');
  return { source, names: w.names, values: w.values };
}

const cache = new WeakMap<Program, Generated | null>();

/**
 * The generated functions of a program, or `null` where `new Function` is
 * not allowed (the executor then runs the program's closures).
 */
export function generated(program: Program): Generated | null {
  let g = cache.get(program);
  if (g === undefined) {
    const { source, names, values } = generate(program);
    try {
      g = new Function(...names, source)(...values) as Generated;
    } catch (e) {
      // A Content Security Policy without 'unsafe-eval' forbids it: fall back to the closures.
      if (!(e instanceof EvalError)) throw e;
      g = null;
    }
    cache.set(program, g);
  }
  return g;
}

const installed = new WeakSet<Program>();

/**
 * Put the generated functions on the program's states and transitions
 * (`select`, `run`), once per program; without `new Function`, nothing is
 * put and the executor runs the closures.
 */
export function install(program: Program): void {
  if (installed.has(program)) return;
  installed.add(program);
  const g = generated(program);
  if (g === null) return;
  program.fast = g.fast;
  for (const state of program.states) {
    const sel = g.select[state.index];
    state.select = sel;
    EVENTS.forEach((kind, k) => {
      const list = state[kind] as CompiledTransition[];
      list.forEach((t, i) => {
        t.run = g.run[state.index][k][i];
      });
    });
  }
}

/**
 * The JavaScript the compiled executor runs for `machine`, to read or to
 * write to a file (`wiremachine compile <protocol>` prints it).
 *
 * @example
 * ```ts
 * console.log(source(frameProtocol));
 * ```
 */
export function source(machine: AnyStateMachine): string {
  return generate(compile(machine)).source;
}
