/**
 * Nothing left behind: a command of `pnpm bench` or `pnpm load` ends by
 * itself only if it closed every server, socket, timer and child it opened.
 * `exitWhenDone` checks that after the command's work and, if something is
 * still open, names it and ends the process with status 1 instead of
 * leaving it running.
 *
 * @module
 */

/** Counts of each kind of resource (handle, timer, request) Node holds open. */
export function resources(): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) out.set(r, (out.get(r) ?? 0) + 1);
  return out;
}

/** What is open now and was not at `before`, after letting closing handles finish. */
export async function leftSince(before: Map<string, number>): Promise<string[]> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  const left: string[] = [];
  for (const [kind, n] of resources()) {
    const was = before.get(kind) ?? 0;
    if (n > was) left.push(`${n - was} ${kind}`);
  }
  return left;
}

/**
 * Run `work`, reporting a failure with `report` (exit status 1); then, if
 * anything opened since the start is still open, say what and exit with
 * status 1 (the command would otherwise never end).
 */
export async function exitWhenDone(work: () => Promise<void>, report: (error: unknown) => void): Promise<void> {
  // stdout and stderr open their handles on first use: open them now, so they count as there before.
  for (const stream of [process.stdout, process.stderr]) stream.writableLength;
  const before = resources();
  try {
    await work();
  } catch (error) {
    report(error);
    process.exitCode = 1;
  }
  const left = await leftSince(before);
  if (left.length > 0) {
    console.error(`left open after the run: ${left.join(', ')}`);
    process.exit(1);
  }
}
