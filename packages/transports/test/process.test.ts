import { spawn } from 'node:child_process';
import { ErrorCode, StreamClosedError } from '@wiremachine/core';
import { lineProtocol } from '@wiremachine/examples/protocols/line';
import { describe, expect, test } from 'vitest';
import { connect, ProcessExitError, TransportError } from '../src/index.js';
import { childProcessTransport } from '../src/node/index.js';
import { rejection, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

const node = (script: string) => spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'ignore'] });

describe('childProcessTransport', () => {
  test('lines from a child that exits 0: a clean end', async () => {
    const conn = connect(lineProtocol, childProcessTransport(node('process.stdout.write("x\\r\\ny\\r\\n")')));
    const got: string[] = [];
    for await (const l of conn) got.push(l.text);
    expect(got).toEqual(['x', 'y']);
  });

  test('a child that fails mid-line: StreamClosedError caused by ProcessExitError with the code', async () => {
    const conn = connect(
      lineProtocol,
      childProcessTransport(node('process.stdout.write("ok\\r\\nhal", () => process.exit(3))')),
    );
    expect(await conn.read()).toEqual({ type: 'line', text: 'ok' });
    const err = await within(rejection(conn.read()));
    expect(err).toBeInstanceOf(StreamClosedError);
    expect(err.cause).toBeInstanceOf(ProcessExitError);
    expect(err.cause.exitCode).toBe(3);
    expect(Array.from(err.unread)).toEqual([0x68, 0x61, 0x6c]);
  });

  test('a child that fails between lines is not a clean end either', async () => {
    const conn = connect(
      lineProtocol,
      childProcessTransport(node('process.stdout.write("ok\\r\\n", () => process.exit(1))')),
    );
    expect(await conn.read()).toEqual({ type: 'line', text: 'ok' });
    const err = await within(rejection(conn.read()));
    expect(err.cause).toBeInstanceOf(ProcessExitError);
  });

  test('a command that cannot start: the cause is a TransportError with ENOENT', async () => {
    const child = spawn('/nonexistent/wiremachine-test-binary', [], { stdio: 'pipe' });
    const err = await within(rejection(connect(lineProtocol, childProcessTransport(child)).read()));
    expect(err).toBeInstanceOf(StreamClosedError);
    expect(err.cause).toBeInstanceOf(TransportError);
    expect(err.cause.cause.code).toBe('ENOENT');
  });

  test('close(error) kills the child; a child without pipes is refused', async () => {
    const child = node('setInterval(() => {}, 1000)');
    const t = childProcessTransport(child);
    const exited = new Promise((r) => child.once('exit', (_code, signal) => r(signal)));
    t.close(new Error('stop'));
    expect(await within(exited)).toBe('SIGTERM');
    const inherit = spawn(process.execPath, ['-e', ''], { stdio: 'inherit' });
    expect(() => childProcessTransport(inherit)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    await new Promise((r) => inherit.once('exit', r));
  });
});
