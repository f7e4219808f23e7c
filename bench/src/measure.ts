/**
 * The measuring loop: mitata's `measure`, set up for functions that each do
 * thousands of units of work per call.
 *
 * @module
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { measure } from 'mitata';

/** What one case measured, per timed call (not yet divided by its ops). */
export interface CallStats {
  readonly p25: number;
  readonly p50: number;
  readonly p75: number;
  readonly min: number;
  readonly samples: number;
}

/**
 * A real `gc()`, so that each case starts with a clean heap. Without
 * `--expose-gc`, mitata's fallback allocates a 1 GiB array to force a
 * collection; the flag can still be set at run time and the function picked
 * up from a fresh context. `false` (no collection) if that fails.
 */
function acquireGc(): (() => void) | false {
  const existing = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === 'function') return existing as () => void;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc === 'function') return gc as () => void;
  } catch {
    // Fall through: measure without collecting first.
  }
  return false;
}

const gc = acquireGc();

/** Fewest calls timed per slice, however slow a call is. */
const MIN_SAMPLES = 5;

/**
 * Call `fn` for at least `ms` milliseconds (and at least 3 times), so the
 * optimizing compiler has settled before anything is timed. A call that
 * returns a promise (a case that waits for a network peer) is awaited.
 */
export async function warm(fn: () => unknown, ms: number): Promise<void> {
  const end = performance.now() + ms;
  for (let i = 0; i < 3 || performance.now() < end; i++) {
    const r = fn();
    if (r instanceof Promise) await r;
  }
}

/**
 * Time `fn` call by call for at least `ms` of measured time and return the
 * samples (ns per call). Batching is off: each call does thousands of units
 * of work, so one call is far above the timer's resolution and every sample
 * is one call.
 */
export async function measureSlice(fn: () => unknown, ms: number): Promise<number[]> {
  const stats = await measure(fn, {
    gc,
    batch_threshold: 0,
    min_samples: MIN_SAMPLES,
    min_cpu_time: ms * 1e6,
  });
  return stats.samples;
}

/** Percentiles of samples gathered over several slices. */
export function summarize(samples: readonly number[]): CallStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))];
  return { p25: at(0.25), p50: at(0.5), p75: at(0.75), min: sorted[0], samples: sorted.length };
}
