/**
 * Mutation tokens found in a machine, as libFuzzer's dictionaries: the
 * delimiters of its `until` reads, and the literal byte strings its guards,
 * actions and reads compare against where their source shows them.
 *
 * @module
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { allNodes, readSpecOf, transitionsOf } from '../machine/nodes.js';

const LITERAL = /(['"`])((?:\\.|(?!\1)[^\\\n]){1,64}?)\1/g;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '0': '\0', b: '\b', f: '\f', v: '\v' };

function unescapeLiteral(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/g, (_, e: string) =>
    e.length > 1 ? String.fromCharCode(Number.parseInt(e.slice(1), 16)) : (ESCAPES[e] ?? e),
  );
}

/** Latin1 bytes of `s`, or `null` when it has a character past U+00FF. */
export function latin1Bytes(s: string): Uint8Array | null {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return null;
    out[i] = c;
  }
  return out;
}

/** String literals (2 to 32 characters) in the source text of a function. */
function literalsOf(fn: unknown, into: (t: Uint8Array | null) => void): void {
  if (typeof fn !== 'function') return;
  let text: string;
  try {
    text = Function.prototype.toString.call(fn);
  } catch {
    return;
  }
  for (const m of text.matchAll(LITERAL)) {
    const s = unescapeLiteral(m[2]);
    if (s.length >= 2 && s.length <= 32 && !s.includes('${')) into(latin1Bytes(s));
  }
}

/** Strings and byte arrays among the `params` of a guard or an action. */
function paramsOf(value: unknown, into: (t: Uint8Array | null) => void, depth = 0): void {
  if (depth > 3 || value === null || value === undefined) return;
  if (typeof value === 'string') into(latin1Bytes(value));
  else if (value instanceof Uint8Array) into(value);
  else if (Array.isArray(value)) for (const v of value) paramsOf(v, into, depth + 1);
  else if (typeof value === 'object') for (const v of Object.values(value)) paramsOf(v, into, depth + 1);
}

/**
 * Tokens found in `machine`: every `until` delimiter, string literals in
 * the source of its guards, actions and read functions, and strings and byte
 * arrays in their `params`.
 */
export function machineTokens(machine: AnyStateMachine): Uint8Array[] {
  const seen = new Set<string>();
  const tokens: Uint8Array[] = [];
  const add = (t: Uint8Array | null) => {
    if (t === null || t.length === 0 || t.length > 64) return;
    const key = t.join(',');
    if (seen.has(key)) return;
    seen.add(key);
    tokens.push(t);
  };
  const implementation = (kind: 'guards' | 'actions', ref: unknown) => {
    if (typeof ref === 'function') return literalsOf(ref, add);
    const type = typeof ref === 'string' ? ref : (ref as { type?: unknown } | null)?.type;
    if (typeof ref === 'object' && ref !== null) paramsOf((ref as { params?: unknown }).params, add);
    const impl = (machine.implementations as unknown as Record<string, Record<string, unknown>> | undefined)?.[kind];
    if (typeof type === 'string' && impl) literalsOf(impl[type], add);
  };
  const guard = (g: unknown, depth = 0): void => {
    if (depth > 4 || g === undefined || g === null) return;
    implementation('guards', g);
    // Composed guards (and, or, not) keep theirs in `guards`.
    const inner = (g as { guards?: unknown[] }).guards;
    if (Array.isArray(inner)) for (const x of inner) guard(x, depth + 1);
  };
  for (const node of [machine.root, ...allNodes(machine)] as AnyStateNode[]) {
    const read = readSpecOf(node);
    if (typeof read === 'function') literalsOf(read, add);
    else if (read?.kind === 'until') for (const d of read.delimiters) add(d);
    for (const action of [...(node.entry ?? []), ...(node.exit ?? [])]) implementation('actions', action);
    for (const def of transitionsOf(node)) {
      guard(def.guard);
      for (const action of def.actions) implementation('actions', action);
    }
  }
  return tokens;
}
