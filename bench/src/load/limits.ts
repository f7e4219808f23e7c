/**
 * Open-file limits: the load script holds thousands of sockets in this
 * process and as many in the server's. Raising the soft limit up to the hard
 * limit needs no privilege, but only a shell can do it for a process about to
 * start: the script runs itself again under `ulimit -n`.
 *
 * @module
 */
import { execFileSync, spawnSync } from 'node:child_process';

/** The soft and hard limits of open files of this process. */
export function fileLimits(): { soft: number; hard: number } {
  const read = (flag: string) => {
    const v = execFileSync('sh', ['-c', `ulimit ${flag} -n`])
      .toString()
      .trim();
    return v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v);
  };
  return { soft: read('-S'), hard: read('-H') };
}

/**
 * Make sure `needed` files can be open: returns when they can, re-runs this
 * script under a raised limit (and exits with its code) when the hard limit
 * allows, and otherwise throws with a message that says what to do.
 */
export function ensureFileLimit(needed: number): void {
  const { soft, hard } = fileLimits();
  if (soft >= needed) return;
  if (hard < needed || process.env.WIREMACHINE_LOAD_RAISED === '1') {
    throw new Error(
      `the load needs ${needed} open files, the limit is ${soft} (hard ${hard}). ` +
        `Raise it (ulimit -n ${needed}, as root if the hard limit is lower) or run with fewer --idle connections.`,
    );
  }
  console.log(`open-file limit ${soft} < ${needed}: running again under ulimit -n ${needed}`);
  const r = spawnSync(
    'sh',
    ['-c', `ulimit -n ${needed} && exec "$0" "$@"`, process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, WIREMACHINE_LOAD_RAISED: '1' } },
  );
  process.exit(r.status ?? 1);
}
