/**
 * Run `wrk` (Debian's package) against a loopback URL and read its summary.
 * wrk runs for a whole number of seconds (a Lua `wrk.thread:stop()` ends a
 * thread, not the run), so request counts are reached by duration.
 *
 * @module
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What one wrk run reports. */
export interface WrkResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  /** Socket errors (connect, read, write, timeout) and non-2xx/3xx responses. */
  readonly errors: number;
  readonly non2xx: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** Response bytes (heads included) per second. */
  readonly bytesPerSecond: number;
}

/** `true` when `wrk` is on the PATH. */
export function haveWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (e) {
    // wrk --version exits 1 after printing its version.
    return (e as { status?: number }).status === 1;
  }
}

function ms(value: string, unit: string): number {
  const v = Number(value);
  return unit === 'us' ? v / 1000 : unit === 's' ? v * 1000 : v;
}

let scripts: string | null = null;

/**
 * A wrk Lua script that sends `depth` requests for the URL's path in one
 * write, and the next `depth` when their responses are in (wrk counts each
 * response): HTTP/1.1 pipelining, as proxies, undici's `pipelining` and the
 * TechEmpower plaintext test send it. Written once to a temporary file.
 */
export function pipelineScript(depth: number): string {
  scripts ??= mkdtempSync(join(tmpdir(), 'wrk-'));
  const path = join(scripts, `pipeline-${depth}.lua`);
  writeFileSync(
    path,
    [
      'init = function(args)',
      '  local r = {}',
      `  for i = 1, ${depth} do r[i] = wrk.format(nil) end`,
      '  req = table.concat(r)',
      'end',
      'request = function() return req end',
      '',
    ].join('\n'),
  );
  return path;
}

/** Run wrk: `connections` connections from `threads` threads, for `seconds` (whole seconds), with a Lua `script`. */
export function wrk(options: {
  url: string;
  connections: number;
  seconds: number;
  threads?: number;
  script?: string;
  /** Field lines sent with every request (`Name: value`). */
  headers?: readonly string[];
}): Promise<WrkResult> {
  const threads = options.threads ?? 1;
  const args = [
    '-t',
    String(threads),
    '-c',
    String(options.connections),
    '-d',
    `${Math.max(1, Math.round(options.seconds))}s`,
    '--latency',
  ];
  if (options.script !== undefined) args.push('-s', options.script);
  for (const h of options.headers ?? []) args.push('-H', h);
  args.push(options.url);
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { timeout: (options.seconds + 30) * 1000 }, (error, stdout) => {
      if (error) return reject(error);
      const total = /(\d+) requests in ([\d.]+)(ms|s|m|h)/.exec(stdout);
      if (total === null) return reject(new Error(`unexpected wrk output:\n${stdout}`));
      const seconds = Number(total[2]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 } as Record<string, number>)[total[3]];
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
      const lat = (p: string) => {
        const m = new RegExp(`${p}%\\s+([\\d.]+)(us|ms|s)`).exec(stdout);
        return m === null ? Number.NaN : ms(m[1], m[2]);
      };
      const transfer = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(stdout);
      const unit = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 } as Record<string, number>;
      const errors = socket === null ? 0 : socket.slice(1).reduce((a, x) => a + Number(x), 0);
      resolve({
        requests: Number(total[1]),
        seconds,
        rps: Number(total[1]) / seconds,
        errors: errors + non2xx,
        non2xx,
        latencyP50Ms: lat('50'),
        latencyP99Ms: lat('99'),
        bytesPerSecond: transfer === null ? Number.NaN : Number(transfer[1]) * unit[transfer[2]],
      });
    });
  });
}
