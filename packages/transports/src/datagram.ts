/**
 * Datagrams: each one is a unit. A protocol machine runs on a fresh driver
 * per datagram, which is then ended, so a read past the end of a datagram
 * fails at once with {@link TruncatedDatagramError}: the rest of a message is
 * never awaited from the next datagram.
 *
 * @module
 */
import { type ParseAllOptions, type ParseAllResult, parseAll, StreamClosedError } from '@wiremachine/core';
import type { AnyStateMachine, EmittedFrom, InputFrom } from 'xstate';
import { TruncatedDatagramError } from './errors.js';

/** A datagram peer: an address and a port (IPv6 addresses without brackets). */
export interface Peer {
  address: string;
  port: number;
}

/** Where a datagram transport delivers what it receives. */
export interface DatagramSink {
  /** One datagram arrived, whole. */
  message(data: Uint8Array, from: Peer): void;
  /** The transport closed (with `error` when it failed). Nothing more arrives. */
  end(error?: unknown): void;
}

/**
 * A datagram transport: UDP, or a memory pair. Datagrams may be lost,
 * duplicated or reordered by the network; each arrives whole or not at all.
 *
 * @example
 * ```ts
 * const [a, b] = memoryDatagramPair();
 * b.start({ message: (data, from) => console.log(data, from), end: () => {} });
 * await a.send(new Uint8Array([1, 2, 3]));
 * ```
 */
export interface DatagramTransport {
  /** Start delivering received datagrams to `sink`. Called once. */
  start(sink: DatagramSink): void;
  /** Send one datagram, to `to` (or to the connected peer); resolves when handed to the system. */
  send(data: Uint8Array, to?: Peer): Promise<void>;
  /** Close; `end()` reaches the sink. */
  close(): void;
}

/** Options of {@link parseDatagram}: those of the driver, without its callbacks. */
export type ParseDatagramOptions<TInput = unknown> = ParseAllOptions<TInput>;

/** What {@link parseDatagram} read: the outputs, and the bytes after the machine's final state. */
export type DatagramParse<TOutput> = ParseAllResult<TOutput>;

/**
 * Parse one datagram as a whole message, with a fresh driver. Throws
 * {@link TruncatedDatagramError} when a read goes past its end, or the
 * protocol's own error.
 *
 * @example
 * ```ts
 * const { outputs } = parseDatagram(frameProtocol, packet);
 * ```
 */
export function parseDatagram<TMachine extends AnyStateMachine>(
  machine: TMachine,
  data: Uint8Array,
  options: ParseDatagramOptions<InputFrom<TMachine>> = {},
): DatagramParse<EmittedFrom<TMachine>> {
  try {
    return parseAll(machine, data, options);
  } catch (e) {
    if (e instanceof StreamClosedError) {
      throw new TruncatedDatagramError(data.length, { offset: e.offset, state: e.state, excerpt: e.excerpt }, e);
    }
    throw e;
  }
}
