/**
 * Node module-loader hooks (run on the loader's thread) that instrument the
 * ES modules {@link instrumentModules} chose. Not imported directly: it is
 * registered by URL.
 *
 * @module
 */
import { instrumentSource } from './instrument-source.js';

/** What {@link instrumentModules} passes to the hooks. */
export interface HookData {
  include: Array<string | RegExp>;
  exclude: Array<string | RegExp>;
}

let data: HookData = { include: [], exclude: [] };

export async function initialize(given: HookData): Promise<void> {
  data = given;
}

function matches(path: string, patterns: Array<string | RegExp>): boolean {
  return patterns.some((p) => (typeof p === 'string' ? path.startsWith(p) : p.test(path)));
}

/** The file path of a `file:` URL, or `null`. */
function filePath(url: string): string | null {
  if (!url.startsWith('file:')) return null;
  return decodeURIComponent(new URL(url).pathname);
}

interface LoadResult {
  format?: string | null;
  source?: string | ArrayBuffer | ArrayBufferView | null;
  shortCircuit?: boolean;
}

export async function load(
  url: string,
  context: { format?: string | null },
  nextLoad: (url: string, context: unknown) => Promise<LoadResult>,
): Promise<LoadResult> {
  const result = await nextLoad(url, context);
  const path = filePath(url);
  if (path === null || result.format !== 'module' || result.source == null) return result;
  if (!matches(path, data.include) || matches(path, data.exclude)) return result;
  const source =
    typeof result.source === 'string'
      ? result.source
      : new TextDecoder().decode(
          result.source instanceof ArrayBuffer
            ? new Uint8Array(result.source)
            : new Uint8Array(result.source.buffer, result.source.byteOffset, result.source.byteLength),
        );
  return { ...result, source: instrumentSource(source, path), shortCircuit: true };
}
