/**
 * The inspector's script for the browser: the page, the core and the protocol
 * (a built-in, or the user's module, JavaScript or TypeScript) bundled by
 * esbuild, the same bundler that loads TypeScript protocol modules in Node.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { UsageError } from './usage.js';

const here = dirname(fileURLToPath(import.meta.url));
const q = (path: string) => JSON.stringify(path);

/** The bundled script and its source map, for a built-in protocol (`name`) or a module (`modulePath`). */
export async function bundleInspector(
  source: { name: string } | { modulePath: string },
): Promise<{ script: string; map: string }> {
  const start = `import { startInspector } from ${q(join(here, 'inspector', 'page.js'))};`;
  const contents =
    'modulePath' in source
      ? `${start}
import * as mod from ${q(resolve(source.modulePath))};
import { protocolOfModule } from ${q(join(here, 'registry.js'))};
startInspector({ name: ${q(source.modulePath)}, make: () => protocolOfModule(mod, ${q(source.modulePath)}) });`
      : `${start}
import ${q(join(here, 'builtins.js'))};
import { builtinProtocol } from ${q(join(here, 'registry.js'))};
startInspector({ name: ${q(source.name)}, make: (options) => builtinProtocol(${q(source.name)}, options) });`;
  try {
    const result = await build({
      stdin: { contents, resolveDir: here, sourcefile: 'inspector-entry.js', loader: 'js' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      outfile: 'app.js',
      sourcemap: 'linked',
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
    });
    const file = (suffix: string) => result.outputFiles.find((f) => f.path.endsWith(suffix))?.text ?? '';
    return { script: file('app.js'), map: file('app.js.map') };
  } catch (e) {
    const errors = (e as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors;
    const detail = errors
      ? errors.map((m) => (m.location ? `${m.location.file}:${m.location.line}: ${m.text}` : m.text)).join('; ')
      : (e as Error).message;
    throw new UsageError(`cannot bundle the protocol for the browser: ${detail}`);
  }
}
