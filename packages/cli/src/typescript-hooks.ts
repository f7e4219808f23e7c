/**
 * Node module-loader hooks (run on the loader's thread) that load TypeScript
 * modules: `.ts` and `.mts` files are transpiled by esbuild as they load, and
 * a relative import written `./x.js` from a TypeScript file finds `./x.ts`,
 * as the TypeScript compiler resolves it. Registered by
 * {@link registerTypeScript}, never imported directly.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const TYPESCRIPT = /\.m?ts$/;

interface Resolved {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
interface ResolveContext {
  parentURL?: string;
}

/** The names a relative import from a TypeScript file may mean, in the compiler's order. */
function candidates(specifier: string): string[] {
  if (specifier.endsWith('.js')) return [`${specifier.slice(0, -3)}.ts`];
  if (specifier.endsWith('.mjs')) return [`${specifier.slice(0, -4)}.mts`];
  if (/\.[cm]?[jt]s$/.test(specifier)) return [];
  return [`${specifier}.ts`, `${specifier}/index.ts`];
}

export async function resolve(
  specifier: string,
  context: ResolveContext,
  nextResolve: (specifier: string, context: ResolveContext) => Promise<Resolved>,
): Promise<Resolved> {
  try {
    return await nextResolve(specifier, context);
  } catch (e) {
    const parent = context.parentURL;
    const relative = specifier.startsWith('./') || specifier.startsWith('../');
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || !relative || !parent || !TYPESCRIPT.test(parent)) {
      throw e;
    }
    for (const candidate of candidates(specifier)) {
      try {
        return await nextResolve(candidate, context);
      } catch {
        // Try the next one; the original error is the one reported.
      }
    }
    throw e;
  }
}

interface Loaded {
  format?: string | null;
  source?: string | ArrayBuffer | ArrayBufferView | null;
  shortCircuit?: boolean;
}

export async function load(
  url: string,
  context: { format?: string | null },
  nextLoad: (url: string, context: unknown) => Promise<Loaded>,
): Promise<Loaded> {
  if (!url.startsWith('file:') || !TYPESCRIPT.test(new URL(url).pathname)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { code } = await transform(await readFile(path, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: path,
    sourcemap: 'inline',
  });
  return { format: 'module', source: code, shortCircuit: true };
}
