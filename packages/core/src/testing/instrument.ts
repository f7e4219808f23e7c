/**
 * `@wiremachine/core/testing/instrument`: code coverage for {@link fuzz}, on
 * Node. {@link instrumentModules} registers a module-loader hook that adds
 * istanbul's branch and function counters to the ES modules it matches; the
 * fuzzer then reads them after each input and keeps inputs that reach a new
 * branch, or take one a new number of times, beside its transition coverage.
 * Needs `istanbul-lib-instrument` and `@babel/parser` (optional peer
 * dependencies).
 *
 * Only modules imported after the call are instrumented: call it first, then
 * import the protocol with `await import(...)`.
 *
 * @example
 * ```ts
 * import { instrumentModules } from '@wiremachine/core/testing/instrument';
 * await instrumentModules({ include: ['./src/'] });
 * const { createMyProtocol, seeds } = await import('./src/my-protocol.js');
 * const { fuzz } = await import('@wiremachine/core/testing');
 * const report = fuzz(createMyProtocol(), { seeds, runs: 100_000 });
 * console.log(report.code); // { covered, total, files }
 * ```
 *
 * @packageDocumentation
 */
import type { HookData } from './instrument-hooks.js';

export { COVERAGE_VARIABLE, TOKENS_VARIABLE } from './code-coverage.js';
export { instrumentSource, literalTokens } from './instrument-source.js';

/** Options of {@link instrumentModules}. */
export interface InstrumentOptions {
  /**
   * Which modules to instrument: a string is a path (a folder or a file,
   * resolved against the working directory) that the module's file path
   * starts with; a RegExp is tested against the file path.
   */
  include: Array<string | RegExp>;
  /** Modules never instrumented, in the same forms. Default: anything under `node_modules`. */
  exclude?: Array<string | RegExp>;
}

/**
 * Instrument every ES module matched by `include` that is imported from now
 * on (through a hook registered with `module.register`, Node 20.6 or later).
 */
export async function instrumentModules(options: InstrumentOptions): Promise<void> {
  const { register } = (await import('node:module' as string)) as {
    register: (specifier: string, parentURL: string, options: { data: HookData }) => void;
  };
  const { resolve, sep } = (await import('node:path' as string)) as {
    resolve: (p: string) => string;
    sep: string;
  };
  const absolute = (p: string | RegExp) => {
    if (typeof p !== 'string') return p;
    const full = resolve(p);
    return p.endsWith('/') || p.endsWith(sep) ? `${full}${sep}` : full;
  };
  const data: HookData = {
    include: options.include.map(absolute),
    exclude: (options.exclude ?? [/[\\/]node_modules[\\/]/]).map(absolute),
  };
  register('./instrument-hooks.js', import.meta.url, { data });
}
