/**
 * Pipes: this process's stdin and stdout, and a child process's stdout and
 * stdin, as transports.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { ErrorCode, WiremachineError } from '@wiremachine/core';
import { ProcessExitError, TransportError } from '../errors.js';
import { StreamTransport, type StreamTransportOptions } from './stream.js';

/** Options of {@link stdioTransport}. */
export interface StdioOptions extends StreamTransportOptions {
  /** Read from this instead of `process.stdin`. */
  stdin?: Readable;
  /** Write to this instead of `process.stdout`. */
  stdout?: Writable;
}

/**
 * This process's stdin and stdout (or the streams given). `end()` ends
 * stdout; `close()` ends it and stops reading stdin.
 *
 * @example
 * ```ts
 * // A filter: frames on stdin, one line per frame on stdout.
 * const conn = connect(frameProtocol, stdioTransport());
 * for await (const f of conn) await conn.write(encode(`${f.payload.length}\n`));
 * ```
 */
export function stdioTransport(options: StdioOptions = {}): StreamTransport {
  const { stdin, stdout, ...rest } = options;
  return new StreamTransport(stdin ?? process.stdin, stdout ?? process.stdout, rest);
}

/**
 * A child process: reads its stdout, writes its stdin (spawn it with
 * `stdio: 'pipe'`). The input ends when the child's stdout has ended and the
 * child has exited: cleanly on exit code 0, otherwise with
 * {@link ProcessExitError} (a pending read fails with `StreamClosedError`
 * whose `cause` it is). `end()` closes the child's stdin; `close(error)`
 * kills the child.
 *
 * @example
 * ```ts
 * const child = spawn('my-server', ['--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
 * const conn = connect(lineProtocol, childProcessTransport(child));
 * ```
 */
export function childProcessTransport(child: ChildProcess, options: StreamTransportOptions = {}): StreamTransport {
  const { stdout, stdin } = child;
  if (stdout === null || stdin === null) {
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, "the child needs piped stdin and stdout (stdio: 'pipe')");
  }
  const exited = new Promise<WiremachineError | undefined>((resolve) => {
    const settle = (code: number | null, signal: NodeJS.Signals | null) =>
      resolve(code === 0 ? undefined : new ProcessExitError(code, signal));
    if (child.exitCode !== null || child.signalCode !== null) settle(child.exitCode, child.signalCode);
    else child.once('exit', settle);
    // A child that could not be spawned (ENOENT) reports it here, and never exits.
    child.once('error', (e) => resolve(new TransportError('the child process failed', e)));
  });
  return new StreamTransport(stdout, stdin, options, {
    endCause: () => exited,
    abort: () => child.kill(),
  });
}
