/**
 * Reading the counters that instrumented modules keep (istanbul's layout, in
 * `globalThis.__wiremachine_coverage__`), for the fuzzer's second signal.
 * Nothing here depends on Node: modules instrumented by any means that use
 * this variable are read the same way.
 *
 * @module
 */

/** The global object that holds the counters of instrumented modules, by file. */
export const COVERAGE_VARIABLE = '__wiremachine_coverage__';
/** The global object that holds the literal tokens of instrumented modules, by file. */
export const TOKENS_VARIABLE = '__wiremachine_tokens__';

interface Location {
  start: { line: number; column: number };
}

/** One file's counters, as istanbul lays them out. */
interface FileCounters {
  path: string;
  b: Record<string, number[]>;
  f: Record<string, number>;
  branchMap: Record<string, { type: string; loc: Location; locations?: Location[] }>;
}

/** Code coverage of one file: branch arms taken at least once, of how many. */
export interface FileCodeCoverage {
  file: string;
  covered: number;
  total: number;
  /** `line:column type#arm` of each arm never taken. */
  missed: string[];
}

/** Code coverage of a fuzzing run: branch arms of the instrumented files it reached. */
export interface CodeCoverage {
  covered: number;
  total: number;
  files: FileCodeCoverage[];
}

interface Tracked {
  path: string;
  data: FileCounters;
  arms: number[][];
  armStart: number;
  armCount: number;
  fnKeys: string[];
  fnStart: number;
}

/** Every instrumented file's counters, as a flat list of branch arms and functions. */
export class CodeCounters {
  readonly files: Tracked[] = [];
  readonly arms: number;
  readonly functions: number;

  constructor(filter: (file: string) => boolean = () => true) {
    const all = (globalThis as Record<string, unknown>)[COVERAGE_VARIABLE] as Record<string, FileCounters> | undefined;
    let arms = 0;
    let functions = 0;
    for (const [path, data] of Object.entries(all ?? {})) {
      if (!filter(path)) continue;
      const branchArrays = Object.keys(data.b).map((k) => data.b[k]);
      const armCount = branchArrays.reduce((n, a) => n + a.length, 0);
      const fnKeys = Object.keys(data.f);
      this.files.push({ path, data, arms: branchArrays, armStart: arms, armCount, fnKeys, fnStart: functions });
      arms += armCount;
      functions += fnKeys.length;
    }
    this.arms = arms;
    this.functions = functions;
  }

  /** Set every counter to zero. */
  reset(): void {
    for (const file of this.files) {
      for (const a of file.arms) a.fill(0);
      const f = file.data.f;
      for (const k of file.fnKeys) f[k] = 0;
    }
  }

  /** Calls `arm(index, hits)` for each branch arm and `fn(index, hits)` for each function taken since `reset`. */
  scan(arm: (index: number, hits: number) => void, fn: (index: number, hits: number) => void): void {
    for (const file of this.files) {
      let g = file.armStart;
      for (const a of file.arms) {
        for (let i = 0; i < a.length; i++, g++) if (a[i] !== 0) arm(g, a[i]);
      }
      const f = file.data.f;
      const keys = file.fnKeys;
      for (let i = 0; i < keys.length; i++) {
        const n = f[keys[i]];
        if (n !== 0) fn(file.fnStart + i, n);
      }
    }
  }

  /** Coverage by file, from `everHit` (one byte per arm), of the files with at least one arm taken. */
  coverage(everHit: Uint8Array): CodeCoverage {
    const files: FileCodeCoverage[] = [];
    for (const file of this.files) {
      let covered = 0;
      const missed: string[] = [];
      let g = file.armStart;
      const keys = Object.keys(file.data.b);
      for (let b = 0; b < keys.length; b++) {
        const info = file.data.branchMap[keys[b]];
        const arms = file.arms[b];
        for (let i = 0; i < arms.length; i++, g++) {
          if (everHit[g]) covered++;
          else {
            const at = info?.locations?.[i]?.start ?? info?.loc.start;
            missed.push(`${at?.line ?? 0}:${at?.column ?? 0} ${info?.type ?? 'branch'}#${i}`);
          }
        }
      }
      if (covered > 0) files.push({ file: file.path, covered, total: file.armCount, missed });
    }
    return {
      covered: files.reduce((n, f) => n + f.covered, 0),
      total: files.reduce((n, f) => n + f.total, 0),
      files,
    };
  }

  /**
   * The literal tokens the instrumenter stored for the tracked files; with
   * `reached` (one byte per arm), only for files with an arm taken.
   */
  tokens(reached?: Uint8Array): number[][] {
    const all = (globalThis as Record<string, unknown>)[TOKENS_VARIABLE] as Record<string, number[][]> | undefined;
    return this.files
      .filter(
        (f) =>
          reached === undefined ||
          f.armCount === 0 ||
          reached.subarray(f.armStart, f.armStart + f.armCount).includes(1),
      )
      .flatMap((f) => all?.[f.path] ?? []);
  }
}
