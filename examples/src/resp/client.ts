/**
 * A small Redis client over TCP: commands are written as they come
 * (pipelined), replies resolve them in order, RESP3 pushes go to a listener.
 * Written with wiremachine's public API: the reply parser is a machine, the
 * driver is fed what the socket reads.
 */
import { connect, type Socket } from 'node:net';
import { createDriver, type WiremachineError } from '@wiremachine/core';
import { encodeCommand } from './encode.js';
import { createRespProtocol, type RespOutput } from './protocol.js';
import { RespError, type RespValue } from './values.js';

/** Options of {@link createRespClient}. */
export interface RespClientOptions {
  host?: string;
  port: number;
  /** Keep bulk strings as bytes. */
  bytes?: boolean;
  /** Receives RESP3 push messages. */
  onPush?: (message: RespValue[]) => void;
}

interface Pending {
  resolve: (value: RespValue) => void;
  reject: (error: Error) => void;
}

/** A connected client. */
export interface RespClient {
  /** Send a command; resolves with its reply, rejects with a {@link RespError} reply. */
  command(...args: (string | number | Uint8Array)[]): Promise<RespValue>;
  /** Close the connection; pending commands reject. */
  close(): Promise<void>;
}

/** Connect to a Redis server. */
export function createRespClient(options: RespClientOptions): Promise<RespClient> {
  return new Promise((resolveClient, rejectClient) => {
    const socket: Socket = connect({ host: options.host ?? '127.0.0.1', port: options.port });
    const pending: Pending[] = [];
    let failure: Error | null = null;
    const failAll = (error: Error) => {
      failure ??= error;
      for (const p of pending.splice(0)) p.reject(error);
    };
    const driver = createDriver(createRespProtocol({ bytes: options.bytes }), {
      onOutput: (out: RespOutput) => {
        if (out.type === 'push') return options.onPush?.(out.value);
        const p = pending.shift();
        if (p === undefined) return failAll(new Error('a reply came with no command waiting for it'));
        if (out.value instanceof RespError) p.reject(out.value);
        else p.resolve(out.value);
      },
      onError: (e: WiremachineError) => {
        failAll(e);
        socket.destroy();
      },
    });
    socket.on('data', (chunk) => driver.feed(chunk));
    socket.on('end', () => driver.end());
    socket.on('close', () => failAll(new Error('the connection closed')));
    socket.on('error', (e) => {
      rejectClient(e);
      failAll(e);
    });
    socket.once('connect', () =>
      resolveClient({
        command: (...args) =>
          new Promise<RespValue>((resolve, reject) => {
            if (failure !== null) return reject(failure);
            pending.push({ resolve, reject });
            socket.write(encodeCommand(args));
          }),
        close: () =>
          new Promise<void>((resolve) => {
            socket.once('close', () => resolve());
            socket.end();
          }),
      }),
    );
  });
}
