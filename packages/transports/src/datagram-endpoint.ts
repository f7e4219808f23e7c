/**
 * `DatagramEndpoint`: a protocol over a datagram transport. Every datagram is
 * parsed on its own ({@link parseDatagram}); the results are read in order,
 * or matched to requests with per-request timeouts.
 *
 * There is no flow control for datagrams: when `maxQueued` results wait
 * unread, further datagrams are dropped and counted, as a full socket buffer
 * would drop them.
 *
 * @module
 */
import { ErrorCode, WiremachineError } from '@wiremachine/core';
import type { AnyStateMachine, EmittedFrom, InputFrom } from 'xstate';
import { type DatagramTransport, type ParseDatagramOptions, type Peer, parseDatagram } from './datagram.js';
import { type Deadline, withDeadline } from './deadline.js';
import { AbortedError, TransportError } from './errors.js';
import { OutputQueue } from './output-queue.js';

/** One received datagram and what it held. */
export interface DatagramMessage<TOutput> {
  /** The sender. */
  from: Peer;
  /** The datagram's bytes. */
  data: Uint8Array;
  /** The machine's outputs, in order (those before the error, if there was one). */
  outputs: TOutput[];
  /** Bytes after the machine's final state, when it ended before the datagram did. */
  remaining: Uint8Array;
  /** Why the datagram was refused ({@link TruncatedDatagramError}, a protocol error), or `null`. */
  error: WiremachineError | null;
}

/** Options of {@link datagramEndpoint}. */
export interface DatagramEndpointOptions<TInput = unknown> extends ParseDatagramOptions<TInput> {
  /** Results waiting unread beyond which datagrams are dropped (see {@link DatagramEndpoint.dropped}). Default 256. */
  maxQueued?: number;
}

/** Options of {@link DatagramEndpoint.request}. */
export interface RequestOptions<TOutput> extends Deadline {
  /** Send to this peer (omit on a connected socket); only its answers match. */
  to?: Peer;
  /** Accept only answers for which this holds (a transaction id, say). Default: the first from the peer. */
  match?: (message: DatagramMessage<TOutput>) => boolean;
}

interface Waiter<TOutput> {
  to: Peer | undefined;
  match: ((m: DatagramMessage<TOutput>) => boolean) | undefined;
  resolve: (m: DatagramMessage<TOutput>) => void;
  reject: (e: unknown) => void;
}

const samePeer = (a: Peer, b: Peer) => a.port === b.port && a.address === b.address;

/**
 * A protocol machine over a datagram transport.
 *
 * @example
 * ```ts
 * const udp = await udpSocket({ type: 'udp4', connect: { address: '127.0.0.1', port } });
 * const endpoint = datagramEndpoint(frameProtocol, udp);
 * const answer = await endpoint.request(encodeFrame(query), { timeout: 500 });
 * console.log(answer.outputs);
 * ```
 */
export class DatagramEndpoint<TOutput = unknown> implements AsyncIterable<DatagramMessage<TOutput>> {
  /** Datagrams dropped because `maxQueued` results were waiting unread. */
  dropped = 0;
  private readonly queue = new OutputQueue<DatagramMessage<TOutput>>(() => {});
  private readonly waiters: Waiter<TOutput>[] = [];
  private readonly maxQueued: number;
  private closed = false;

  constructor(
    private readonly machine: AnyStateMachine,
    /** The datagram transport. */
    readonly transport: DatagramTransport,
    private readonly options: DatagramEndpointOptions = {},
  ) {
    this.maxQueued = options.maxQueued ?? 256;
    if (!(this.maxQueued >= 1)) {
      throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `maxQueued must be >= 1, got ${this.maxQueued}`);
    }
    transport.start({ message: (data, from) => this.onMessage(data, from), end: (e) => this.onEnd(e) });
  }

  /** The next result not taken by a request; `null` after close. `signal` and `timeout` cancel this read only. */
  async read(deadline?: Deadline): Promise<DatagramMessage<TOutput> | null> {
    const r = await this.queue.take(deadline);
    return r.done ? null : r.value;
  }

  [Symbol.asyncIterator](): AsyncIterator<DatagramMessage<TOutput>, undefined> {
    return { next: () => this.queue.take(), return: async () => ({ done: true, value: undefined }) };
  }

  /** Send one datagram. */
  send(data: Uint8Array, to?: Peer): Promise<void> {
    if (this.closed) return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'send after close()'));
    return this.transport.send(data, to);
  }

  /**
   * Send `data` and resolve with the first answer from the peer that `match`
   * accepts (it is not queued for {@link DatagramEndpoint.read}). Rejects with
   * the answer's error if it was refused, with `TimeoutError` (`phase:
   * 'request'`) after `timeout`, with `AbortedError` on `signal`. Retrying is
   * the caller's choice: datagrams may be lost.
   */
  request(data: Uint8Array, options: RequestOptions<TOutput> = {}): Promise<DatagramMessage<TOutput>> {
    if (this.closed) return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'request after close()'));
    let waiter: Waiter<TOutput> | undefined;
    const remove = () => {
      const i = this.waiters.indexOf(waiter as Waiter<TOutput>);
      if (i >= 0) this.waiters.splice(i, 1);
    };
    return withDeadline<DatagramMessage<TOutput>>(
      options,
      { name: 'the request', phase: 'request' },
      (resolve, reject) => {
        waiter = { to: options.to, match: options.match, resolve, reject };
        this.waiters.push(waiter);
        this.transport.send(data, options.to).catch((e: unknown) => {
          remove();
          reject(e);
        });
      },
      remove,
    );
  }

  /** Close the transport. Pending requests reject with `AbortedError`; readers get the end. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.close();
    this.onEnd(undefined);
  }

  private onMessage(data: Uint8Array, from: Peer): void {
    let message: DatagramMessage<TOutput>;
    try {
      const parsed = parseDatagram(this.machine, data, this.options);
      message = { from, data, outputs: parsed.outputs, remaining: parsed.remaining, error: null };
    } catch (e) {
      message = { from, data, outputs: [], remaining: new Uint8Array(0), error: e as WiremachineError };
    }
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i];
      if (w.to !== undefined && !samePeer(w.to, from)) continue;
      if (w.match !== undefined && !w.match(message)) continue;
      this.waiters.splice(i, 1);
      if (message.error === null) w.resolve(message);
      else w.reject(message.error);
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.dropped++;
      return;
    }
    this.queue.push(message);
  }

  private onEnd(error: unknown): void {
    const failure = error === undefined ? undefined : new TransportError('the datagram transport failed', error);
    for (const w of this.waiters.splice(0)) w.reject(failure ?? new AbortedError('the request', 'the endpoint closed'));
    this.queue.end(failure);
  }
}

/**
 * Run `machine` on every datagram `transport` receives: see {@link DatagramEndpoint}.
 *
 * @example
 * ```ts
 * for await (const m of datagramEndpoint(lineProtocol, udp)) {
 *   if (m.error === null) await udp.send(reply(m.outputs), m.from);
 * }
 * ```
 */
export function datagramEndpoint<TMachine extends AnyStateMachine>(
  machine: TMachine,
  transport: DatagramTransport,
  options?: DatagramEndpointOptions<InputFrom<TMachine>>,
): DatagramEndpoint<EmittedFrom<TMachine>> {
  return new DatagramEndpoint<EmittedFrom<TMachine>>(machine, transport, options as DatagramEndpointOptions);
}
