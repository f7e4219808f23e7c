/**
 * An in-memory datagram pair for tests, with the faults of a real network on
 * request: loss, reordering and latency, all drawn from a seeded generator.
 *
 * @module
 */
import { ErrorCode, WiremachineError } from '@wiremachine/core';
import type { DatagramSink, DatagramTransport, Peer } from './datagram.js';

/** Options of {@link memoryDatagramPair}. */
export interface MemoryDatagramOptions {
  /** Probability (0 to 1) that a datagram is lost. Default 0. */
  drop?: number;
  /** Probability (0 to 1) that a datagram is held back and delivered after the next one. Default 0. */
  reorder?: number;
  /** Milliseconds between send and delivery. Default 0 (the next microtask). */
  delay?: number;
  /** Seed of the draws: the same seed gives the same losses and swaps. Default 1. */
  seed?: number;
}

class MemoryDatagramEnd implements DatagramTransport {
  peer!: MemoryDatagramEnd;
  private sink: DatagramSink | null = null;
  private readonly inbox: [Uint8Array, Peer][] = [];
  private held: Uint8Array | null = null;
  private heldTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    readonly address: Peer,
    private readonly options: Required<Omit<MemoryDatagramOptions, 'seed'>>,
    private readonly random: () => number,
  ) {}

  start(sink: DatagramSink): void {
    if (this.sink !== null) throw new WiremachineError(ErrorCode.INVALID_STATE, 'transport already started');
    this.sink = sink;
    for (const [data, from] of this.inbox.splice(0)) sink.message(data, from);
  }

  send(data: Uint8Array, _to?: Peer): Promise<void> {
    if (this.closed) return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'send after close'));
    const copy = data.slice();
    if (this.random() < this.options.drop) return Promise.resolve();
    if (this.held === null && this.random() < this.options.reorder) {
      this.held = copy;
      // Released by the next send, or soon after: a swap never turns into a loss.
      this.heldTimer = setTimeout(() => this.release(), this.options.delay + 10);
      return Promise.resolve();
    }
    this.transmit(copy);
    this.release();
    return Promise.resolve();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heldTimer !== null) clearTimeout(this.heldTimer);
    this.held = null;
    this.sink?.end();
  }

  private release(): void {
    if (this.heldTimer !== null) clearTimeout(this.heldTimer);
    this.heldTimer = null;
    const held = this.held;
    this.held = null;
    if (held !== null) this.transmit(held);
  }

  private transmit(data: Uint8Array): void {
    const deliver = () => this.peer.receive(data, this.address);
    if (this.options.delay > 0) setTimeout(deliver, this.options.delay);
    else queueMicrotask(deliver);
  }

  private receive(data: Uint8Array, from: Peer): void {
    if (this.closed) return;
    if (this.sink === null) this.inbox.push([data, from]);
    else this.sink.message(data, from);
  }
}

function probability(name: string, p: number | undefined): number {
  const v = p ?? 0;
  if (!(v >= 0 && v <= 1)) throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `${name} must be in 0..1, got ${p}`);
  return v;
}

/**
 * Two connected in-memory datagram transports.
 *
 * @example
 * ```ts
 * const [client, server] = memoryDatagramPair({ drop: 0.2, reorder: 0.1, seed: 42 });
 * ```
 */
export function memoryDatagramPair(options: MemoryDatagramOptions = {}): [DatagramTransport, DatagramTransport] {
  const settings = {
    drop: probability('drop', options.drop),
    reorder: probability('reorder', options.reorder),
    delay: options.delay ?? 0,
  };
  if (!(settings.delay >= 0)) {
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `delay must be >= 0, got ${options.delay}`);
  }
  // xorshift32, one generator per pair.
  let s = (options.seed ?? 1) | 0 || 1;
  const random = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const a = new MemoryDatagramEnd({ address: 'memory', port: 1 }, settings, random);
  const b = new MemoryDatagramEnd({ address: 'memory', port: 2 }, settings, random);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
