/**
 * Structural comparison of outputs, as the laws use it: plain objects are
 * equal when they hold equal values under the same keys, whatever the keys'
 * order; byte arrays when they hold the same bytes.
 *
 * @module
 */
import { canonical } from './outcome.js';

/**
 * Where `a` and `b` first differ, as a path and the two values there
 * (`outputs[1].payload: bytes:0102 ≠ bytes:0103`), or `null` when they are
 * structurally equal.
 *
 * - Plain objects and class instances: own enumerable keys, in any order; a
 *   key whose value is `undefined` counts as absent (as with `JSON.stringify`).
 * - Arrays: same length, equal elements in order.
 * - `Uint8Array` (and `Buffer`): same bytes. Other typed arrays: same kind
 *   and elements. `ArrayBuffer` and `DataView`: same bytes.
 * - `Map`: same size, and each key of one maps to an equal value in the other
 *   (keys looked up as `Map` does); `Set`: same size and members.
 * - `Date`: same time. `RegExp`: same source and flags.
 * - Primitives: `===`, except that `NaN` equals `NaN`.
 */
export function difference(a: unknown, b: unknown, path = ''): string | null {
  return diff(a, b, path, new Map());
}

/** `true` when {@link difference} finds none: a deep equality that ignores key order. */
export function equivalent(a: unknown, b: unknown): boolean {
  return difference(a, b) === null;
}

function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  let text: string;
  try {
    text = canonical(v) ?? String(v);
  } catch {
    text = Object.prototype.toString.call(v);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Uint8Array) return 'bytes';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (v instanceof ArrayBuffer) return 'ArrayBuffer';
  if (v instanceof Map) return 'Map';
  if (v instanceof Set) return 'Set';
  if (v instanceof Date) return 'Date';
  if (v instanceof RegExp) return 'RegExp';
  return typeof v;
}

function differ(path: string, a: unknown, b: unknown): string {
  return `${path || '(value)'}: ${show(a)} ≠ ${show(b)}`;
}

function bytesOf(v: ArrayBufferView | ArrayBuffer): Uint8Array {
  return v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function diff(a: unknown, b: unknown, path: string, seen: Map<object, object>): string | null {
  if (a === b) return null;
  if (typeof a === 'number' && typeof b === 'number')
    return Number.isNaN(a) && Number.isNaN(b) ? null : differ(path, a, b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return differ(path, a, b);
  const k = kind(a);
  if (k !== kind(b)) return differ(path, a, b);
  // A pair already under comparison is assumed equal: cycles end there.
  if (seen.get(a) === b) return null;
  seen.set(a, b);
  switch (k) {
    case 'array': {
      const x = a as unknown[];
      const y = b as unknown[];
      if (x.length !== y.length) return `${path || '(value)'}: length ${x.length} ≠ ${y.length}`;
      for (let i = 0; i < x.length; i++) {
        const d = diff(x[i], y[i], `${path}[${i}]`, seen);
        if (d !== null) return d;
      }
      return null;
    }
    case 'Map': {
      const x = a as Map<unknown, unknown>;
      const y = b as Map<unknown, unknown>;
      if (x.size !== y.size) return `${path || '(value)'}: Map of ${x.size} entries ≠ ${y.size}`;
      for (const [key, value] of x) {
        if (!y.has(key)) return `${path || '(value)'}: key ${show(key)} only on the left`;
        const d = diff(value, y.get(key), `${path}.get(${show(key)})`, seen);
        if (d !== null) return d;
      }
      return null;
    }
    case 'Set': {
      const x = a as Set<unknown>;
      const y = b as Set<unknown>;
      if (x.size !== y.size) return `${path || '(value)'}: Set of ${x.size} members ≠ ${y.size}`;
      for (const m of x) if (!y.has(m)) return `${path || '(value)'}: member ${show(m)} only on the left`;
      return null;
    }
    case 'Date':
      return (a as Date).getTime() === (b as Date).getTime() ? null : differ(path, a, b);
    case 'RegExp':
      return String(a) === String(b) ? null : differ(path, a, b);
    case 'object':
      break;
    default:
      // Byte arrays, other typed arrays, ArrayBuffer and DataView (same kind on both sides).
      return sameBytes(bytesOf(a as ArrayBufferView), bytesOf(b as ArrayBufferView)) ? null : differ(path, a, b);
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const key of keys) {
    const d = diff(x[key], y[key], path ? `${path}.${key}` : key, seen);
    if (d !== null) return d;
  }
  return null;
}
