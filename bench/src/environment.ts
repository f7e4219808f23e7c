/**
 * Where a run happened: figures from different machines or Node versions are
 * not comparable, so every result file says which it came from.
 *
 * @module
 */
import { arch, cpus, platform, totalmem } from 'node:os';

/** Metadata written at the top of every result file. */
export interface RunEnvironment {
  /** ISO 8601 time the run started. */
  readonly date: string;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpu: string;
  readonly cpus: number;
  readonly memoryMiB: number;
}

/** Describe the machine and runtime this process runs on. */
export function runEnvironment(): RunEnvironment {
  const list = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: platform(),
    arch: arch(),
    cpu: list[0]?.model.trim() ?? 'unknown',
    cpus: list.length,
    memoryMiB: Math.round(totalmem() / 2 ** 20),
  };
}
