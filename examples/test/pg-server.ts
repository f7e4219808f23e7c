/**
 * Starts a private PostgreSQL cluster for the tests, if the machine has the
 * server binaries: `initdb` into a temp dir (trust authentication, plus a
 * user for each password method), `pg_ctl start` on a free port of
 * 127.0.0.1, and a `stop` that stops it and removes the directory.
 * PostgreSQL refuses to run as root: as root, the commands run as `postgres`.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function findBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0], 'bin') : null;
}

const bin = findBin();
const asRoot = process.getuid?.() === 0;
export const hasPostgres = bin !== null && (!asRoot || spawnSync('id', ['postgres']).status === 0);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(command: string, args: string[]) {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  const r = spawnSync(file, argv, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Users made by {@link startPostgres}, one per password method, each with the password `secret-pw`. */
export const PASSWORD_USERS = { scram: 'scram_user', md5: 'md5_user', cleartext: 'clear_user' } as const;

/** A running cluster: its port, and a function that stops it. */
export async function startPostgres(): Promise<{ port: number; dir: string; stop: () => void }> {
  if (bin === null) throw new Error('no PostgreSQL server binaries');
  const dir = mkdtempSync(join(tmpdir(), 'wiremachine-pg-'));
  if (asRoot) {
    const { uid, gid } = { uid: Number(run('id', ['-u']).trim()), gid: Number(run('id', ['-g']).trim()) };
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C']);
  const hba = [
    `host all ${PASSWORD_USERS.scram} 127.0.0.1/32 scram-sha-256`,
    `host all ${PASSWORD_USERS.md5} 127.0.0.1/32 md5`,
    `host all ${PASSWORD_USERS.cleartext} 127.0.0.1/32 password`,
    'host all all 127.0.0.1/32 trust',
    'local all all trust',
  ];
  writeFileSync(join(data, 'pg_hba.conf'), `${hba.join('\n')}\n`);
  const port = await freePort();
  const ctl = (...args: string[]) => run(join(bin, 'pg_ctl'), ['-D', data, ...args]);
  ctl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', join(dir, 'log'), '-w', 'start');
  let stopped = false;
  return {
    port,
    dir,
    stop: () => {
      if (stopped) return;
      stopped = true;
      try {
        ctl('-m', 'fast', '-w', 'stop');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
