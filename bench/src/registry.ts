/**
 * Every benchmark `pnpm bench` knows, in the order `pnpm bench` runs them.
 * A new benchmark is a module in `benchmarks/` plus one line here.
 *
 * @module
 */
import { core } from './benchmarks/core.js';
import { http1 } from './benchmarks/http1.js';
import { protocols } from './benchmarks/protocols.js';
import { tracker } from './benchmarks/tracker.js';
import type { Benchmark } from './define.js';

/** The benchmarks, by name. */
export const benchmarks: readonly Benchmark[] = [core, http1, tracker, protocols];
