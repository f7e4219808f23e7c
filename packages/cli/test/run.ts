/** Runs the built `wiremachine` command (`pnpm build` first, as `pnpm test` does). */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** The command's exit status, its output (and its JSON lines), and its errors. */
export function wiremachine(
  args: string[],
  input: string | Uint8Array = '',
  options: { env?: NodeJS.ProcessEnv; timeout?: number } = {},
) {
  // Input strings are one char per byte; output is JSON text, in UTF-8.
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input: typeof input === 'string' ? Buffer.from(input, 'latin1') : input,
    encoding: 'utf8',
    env: options.env ?? process.env,
    timeout: options.timeout ?? 20_000,
  });
  const lines = r.stdout.split('\n').filter(Boolean);
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    lines,
    /** The output lines as JSON (for commands that print JSON lines). */
    get out(): any[] {
      return lines.map((l) => JSON.parse(l));
    },
  };
}
