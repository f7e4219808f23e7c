/** `wiremachine bench`: the benchmark harness of a checkout of the repository. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HELP } from '../usage.js';

export function benchCommand(args: string[]): number {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP.bench);
    return 0;
  }
  // packages/cli/dist/commands/bench.js -> the repository's bench/dist/run.js
  const harness = fileURLToPath(new URL('../../../../bench/dist/run.js', import.meta.url));
  if (!existsSync(harness)) {
    console.error(
      'wiremachine: the benchmark harness comes with a checkout of the repository; build it with `pnpm build`',
    );
    return 2;
  }
  const run = spawnSync(process.execPath, [harness, ...args], { stdio: 'inherit' });
  return run.status ?? 1;
}
