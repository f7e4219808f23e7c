/**
 * Instrumenting one JavaScript module for the fuzzer: istanbul's branch and
 * function counters, and the module's literal byte strings as mutation tokens.
 *
 * @module
 */
import { parse } from '@babel/parser';
import istanbul from 'istanbul-lib-instrument';
import { COVERAGE_VARIABLE, TOKENS_VARIABLE } from './code-coverage.js';

/** Longest literal kept as a token. */
const MAX_TOKEN = 32;
/** Most tokens kept from one module. */
const MAX_TOKENS = 1000;

let instrumenter: ReturnType<typeof istanbul.createInstrumenter> | undefined;

function latin1(s: string): number[] | null {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return null;
    out.push(c);
  }
  return out;
}

function bigEndian(value: bigint, bytes: number): number[] {
  const out: number[] = [];
  for (let i = bytes - 1; i >= 0; i--) out.push(Number((value >> BigInt(8 * i)) & 0xffn));
  return out;
}

const COMPARISONS = new Set(['===', '!==', '==', '!=', '<', '>', '<=', '>=']);

/** A number from 0 to 255 compared against, as a one-byte token. */
function byteOf(node: unknown, add: (t: number[], min: number) => void): void {
  const n = node as { type?: string; value?: unknown } | null;
  if (
    n?.type === 'NumericLiteral' &&
    Number.isInteger(n.value) &&
    (n.value as number) >= 0 &&
    (n.value as number) <= 255
  ) {
    add([n.value as number], 1);
  }
}

/**
 * The byte strings a module could compare its input against: string and
 * template literals (latin1, 2 to 32 characters), arrays of 2 to 32 byte
 * values, bigints as 8 big-endian bytes, whole numbers from 256 up as 2
 * (below 65,536) and 4 big-endian bytes, and numbers from 0 to 255 that a
 * comparison or a `case` names, as one byte.
 */
export function literalTokens(code: string): number[][] {
  const seen = new Set<string>();
  const tokens: number[][] = [];
  const add = (t: number[] | null, min = 2) => {
    if (t === null || t.length < min || t.length > MAX_TOKEN || tokens.length >= MAX_TOKENS) return;
    const key = t.join(',');
    if (seen.has(key)) return;
    seen.add(key);
    tokens.push(t);
  };
  let ast: unknown;
  try {
    ast = parse(code, { sourceType: 'unambiguous', errorRecovery: true });
  } catch {
    return tokens;
  }
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const n = node as { type?: string; [key: string]: unknown };
    switch (n.type) {
      case 'BinaryExpression':
        if (COMPARISONS.has(n.operator as string)) {
          byteOf(n.left, add);
          byteOf(n.right, add);
        }
        break;
      case 'SwitchCase':
        byteOf(n.test, add);
        break;
      case 'StringLiteral':
        add(latin1(n.value as string));
        return;
      case 'TemplateElement':
        add(latin1(((n.value as { cooked?: string }).cooked ?? '') as string));
        return;
      case 'BigIntLiteral': {
        const v = BigInt(n.value as string);
        if (v >= 0n && v < 1n << 64n) add(bigEndian(v, 8));
        return;
      }
      case 'NumericLiteral': {
        const v = n.value as number;
        if (Number.isInteger(v) && v >= 256 && v < 2 ** 32) {
          if (v < 65536) add(bigEndian(BigInt(v), 2));
          add(bigEndian(BigInt(v), 4));
        }
        return;
      }
      case 'ArrayExpression': {
        const elements = n.elements as Array<{ type?: string; value?: unknown } | null>;
        if (
          elements.length >= 2 &&
          elements.every(
            (e) => e?.type === 'NumericLiteral' && Number.isInteger(e.value) && (e.value as number) <= 0xff,
          )
        ) {
          add(elements.map((e) => e?.value as number));
          return;
        }
        break;
      }
    }
    for (const key in n) {
      if (key === 'loc' || key === 'start' || key === 'end' || key === 'comments' || key === 'extra') continue;
      const child = n[key];
      if (typeof child === 'object' && child !== null) walk(child);
    }
  };
  walk(ast);
  return tokens;
}

/**
 * `code` (an ES module or a script) with istanbul's counters added, which
 * land in `globalThis.__wiremachine_coverage__[filename]` when it runs, and
 * its {@link literalTokens} stored in `globalThis.__wiremachine_tokens__[filename]`.
 */
export function instrumentSource(code: string, filename: string): string {
  instrumenter ??= istanbul.createInstrumenter({
    coverageVariable: COVERAGE_VARIABLE,
    esModules: true,
    compact: true,
    preserveComments: false,
    produceSourceMap: false,
    autoWrap: true,
  });
  const out = instrumenter.instrumentSync(code, filename);
  const tokens = JSON.stringify(literalTokens(code));
  // After the imports istanbul leaves first, so that the module stays a module; a statement is fine anywhere.
  return `${out}\n;(globalThis.${TOKENS_VARIABLE} ??= {})[${JSON.stringify(filename)}] = ${tokens};\n`;
}
