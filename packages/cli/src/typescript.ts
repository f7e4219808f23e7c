/** Protocol modules written in TypeScript: loaded by Node through esbuild. */
import { register } from 'node:module';

/** A file that {@link registerTypeScript}'s hooks load: `.ts` or `.mts`. */
export const isTypeScript = (path: string): boolean => /\.m?ts$/.test(path);

let registered = false;

/**
 * From now on, `import()` of a `.ts` or `.mts` file transpiles it with
 * esbuild (types are dropped, not checked), and its relative imports
 * written `./x.js` find `./x.ts`. Register it before hooks that must see
 * the JavaScript, such as the fuzzer's instrumentation.
 */
export function registerTypeScript(): void {
  if (registered) return;
  registered = true;
  register('./typescript-hooks.js', import.meta.url);
}
