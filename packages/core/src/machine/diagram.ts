/**
 * A protocol machine as a diagram: Mermaid (`stateDiagram-v2`) or Graphviz
 * DOT. Each waiting state shows its read; each transition its event and guard.
 *
 * @module
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import type { ReadRequest } from '../reads.js';
import { allNodes, readSpecOf, stateName, type TransitionDef, transitionsOf } from './nodes.js';
import { failCodeOf, referenceOf, resolve } from './shapes.js';

/** `bytes(4)`, `until("\r\n")`, ... as the request would be written. */
export function describeRead(read: ReadRequest | null): string {
  if (read === null) return '-';
  const text = (d: Uint8Array) => JSON.stringify(String.fromCharCode(...d));
  switch (read.kind) {
    case 'bytes':
      return `bytes(${read.n}${read.partial ? ', partial' : ''})`;
    case 'lengthPrefixed':
      return `lengthPrefixed(${read.width}${read.littleEndian ? ', le' : ''}${Number.isFinite(read.maxBytes) ? `, max ${read.maxBytes}` : ''})`;
    case 'until':
      return `until(${read.delimiters.map(text).join(' | ')}${Number.isFinite(read.maxBytes) ? `, max ${read.maxBytes}` : ''})`;
    case 'into':
      return `into(${read.buffer.length})`;
    case 'regex':
      return `regex(${read.re})`;
    case 'untilClose':
      return 'untilClose()';
    case 'streamBytes':
      return `streamBytes(${read.n})`;
    case 'streamUntilClose':
      return 'streamUntilClose()';
  }
}

function readLabel(node: AnyStateNode): string | null {
  const spec = readSpecOf(node);
  if (spec === undefined) return null;
  if (typeof spec !== 'function') return describeRead(spec);
  return (node.meta as { readLabel?: string } | undefined)?.readLabel ?? 'read computed from context';
}

/** Params as written in a diagram: `(type=3)`, `("x")`, `(/re/)` (no colons, which end a Mermaid label); long ones cut short. */
function paramsLabel(params: unknown): string {
  const one = (v: unknown): string => {
    if (typeof v === 'string') return JSON.stringify(v);
    if (v instanceof RegExp) return String(v);
    if (typeof v === 'function') return v.name || 'fn';
    if (Array.isArray(v)) return `[${v.map(one).join(', ')}]`;
    if (typeof v === 'object' && v !== null)
      return `{${Object.entries(v)
        .map(([k, x]) => `${k}=${one(x)}`)
        .join(', ')}}`;
    return String(v);
  };
  let text = one(params);
  if (text.startsWith('{') && !Array.isArray(params)) text = text.slice(1, -1);
  return `(${text.length > 60 ? `${text.slice(0, 57)}...` : text})`;
}

function guardLabel(machine: AnyStateMachine, guard: unknown): string {
  if (guard === undefined) return '';
  const ref = referenceOf(guard);
  if (ref !== null) return ref.params === undefined ? ref.type : `${ref.type}${paramsLabel(ref.params)}`;
  const r = resolve(machine, 'guard', guard);
  if (r.kind === 'and' || r.kind === 'or' || r.kind === 'not')
    return `${r.kind}(${r.guards.map((g) => guardLabel(machine, g)).join(', ')})`;
  // An arrow written inline takes the property's name, "guard": say it is inline.
  if (r.kind === 'user') return r.name && r.name !== 'guard' ? r.name : 'inline guard';
  return r.name || 'guard';
}

function eventLabel(t: TransitionDef): string {
  if (t.eventType === '') return 'always';
  if (t.eventType.startsWith('xstate.done.state.')) return 'done (child final)';
  return t.eventType;
}

function transitionLabel(machine: AnyStateMachine, t: TransitionDef): string {
  const guard = guardLabel(machine, t.guard);
  const label = guard ? `${eventLabel(t)} [${guard}]` : eventLabel(t);
  const fails = t.actions.map((a) => failCodeOf(machine, a)).filter((c): c is string => c !== null);
  return fails.length > 0 ? `${label} / fail ${fails.join(', ')}` : label;
}

/** A safe identifier for a state: its path joined with "__". */
function id(node: AnyStateNode): string {
  return node.path.map((p) => p.replace(/[^A-Za-z0-9_]/g, '_')).join('__') || 'root';
}

function initialChild(node: AnyStateNode): AnyStateNode | undefined {
  return (node.initial as { target?: readonly AnyStateNode[] } | undefined)?.target?.[0];
}

/**
 * The machine as a Mermaid `stateDiagram-v2`.
 *
 * @example
 * ```ts
 * console.log(toMermaid(frameProtocol));
 * ```
 */
export function toMermaid(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2'];
  const walk = (parent: AnyStateNode, indent: string) => {
    const first = initialChild(parent);
    if (first) lines.push(`${indent}[*] --> ${id(first)}`);
    for (const node of Object.values(parent.states) as AnyStateNode[]) {
      const read = readLabel(node);
      lines.push(`${indent}${id(node)}: ${node.key}${read ? `<br/>${read.replace(/"/g, "'")}` : ''}`);
      if (node.type === 'compound') {
        lines.push(`${indent}state ${id(node)} {`);
        walk(node, `${indent}  `);
        lines.push(`${indent}}`);
      }
      if (node.type === 'final') lines.push(`${indent}${id(node)} --> [*]`);
    }
    for (const node of Object.values(parent.states) as AnyStateNode[]) {
      for (const t of transitionsOf(node)) {
        const target = t.target?.[0] ?? node;
        lines.push(`${indent}${id(node)} --> ${id(target)}: ${transitionLabel(machine, t).replace(/:/g, ' ')}`);
      }
    }
  };
  walk(machine.root, '  ');
  return `${lines.join('\n')}\n`;
}

/** Options of {@link toDot}. */
export interface DotOptions {
  /**
   * Give each state's node the SVG id `state:` and its name (as a driver step
   * names it: `head.method`), and each transition's edge the id `transition:`
   * and its index in {@link diagramTransitions}, so that a page can find them
   * in the drawing.
   */
  ids?: boolean;
}

/**
 * Every transition the diagram draws, in the order of {@link toDot}'s edges:
 * the objects a driver's `onTransition` receives, so a step can be found on
 * the drawing.
 */
export function diagramTransitions(machine: AnyStateMachine): TransitionDef[] {
  return allNodes(machine).flatMap((node) => transitionsOf(node));
}

/** The machine as a Graphviz DOT digraph (compound states as clusters). */
export function toDot(machine: AnyStateMachine, options: DotOptions = {}): string {
  const q = (s: string) => JSON.stringify(s);
  const ids = options.ids === true;
  const stateId = (node: AnyStateNode) => (ids ? `, id=${q(`state:${stateName(node)}`)}` : '');
  const lines = [
    `digraph ${q(machine.id)} {`,
    '  rankdir=LR;',
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
  ];
  lines.push('  __start [shape=point, label=""];');
  const edges: string[] = [];
  const walk = (parent: AnyStateNode, indent: string) => {
    for (const node of Object.values(parent.states) as AnyStateNode[]) {
      if (node.type === 'compound') {
        lines.push(`${indent}subgraph ${q(`cluster_${id(node)}`)} {`, `${indent}  label=${q(node.key)};`);
        if (ids) lines.push(`${indent}  id=${q(`state:${stateName(node)}`)};`);
        walk(node, `${indent}  `);
        lines.push(`${indent}}`);
        continue;
      }
      const read = readLabel(node);
      const shape = node.type === 'final' ? ', peripheries=2' : '';
      lines.push(
        `${indent}${q(id(node))} [label=${q(read ? `${node.key}\n${read}` : node.key)}${shape}${stateId(node)}];`,
      );
    }
  };
  walk(machine.root, '  ');
  const leaf = (node: AnyStateNode): AnyStateNode => {
    let n = node;
    for (let c = initialChild(n); c; c = initialChild(n)) n = c;
    return n;
  };
  edges.push(`  __start -> ${q(id(leaf(machine.root)))};`);
  diagramTransitions(machine).forEach((t, i) => {
    const from = t.source.type === 'compound' ? leaf(t.source) : t.source;
    const to = leaf(t.target?.[0] ?? t.source);
    const edgeId = ids ? `, id=${q(`transition:${i}`)}` : '';
    edges.push(`  ${q(id(from))} -> ${q(id(to))} [label=${q(transitionLabel(machine, t))}${edgeId}];`);
  });
  return `${[...lines, ...edges, '}'].join('\n')}\n`;
}
