/**
 * Start a hello server in a child process and talk to it.
 *
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { ServerMessage, ServerStats } from './protocol.js';

/** A running hello server. */
export interface ServerProcess {
  readonly kind: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Memory after a full GC, connections, unhandled rejections. */
  stats(): Promise<ServerStats>;
  /** Close the server and wait for the child to exit. */
  stop(): Promise<void>;
}

/** Fork `hello.js` with `kind` and options; resolves once it listens. */
export function startServer(kind: 'wiremachine' | 'node', options: object = {}): Promise<ServerProcess> {
  const child = fork(new URL('./hello.js', import.meta.url), [kind, JSON.stringify(options)], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiters: ((m: ServerStats) => void)[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${kind} server did not start`)), 10_000);
    child.once('exit', (code) => reject(new Error(`the ${kind} server exited with ${code}`)));
    child.on('message', (m: ServerMessage) => {
      if (m.type === 'stats') waiters.shift()?.(m);
      else if (m.type === 'listening') {
        clearTimeout(timer);
        resolve({
          kind,
          port: m.port,
          child,
          stats: () =>
            new Promise((r) => {
              waiters.push(r);
              child.send({ type: 'stats' });
            }),
          stop: () =>
            new Promise((r) => {
              child.removeAllListeners('exit');
              child.once('exit', () => r());
              child.send({ type: 'close' });
              setTimeout(() => child.kill('SIGKILL'), 5000).unref();
            }),
        });
      }
    });
  });
}
