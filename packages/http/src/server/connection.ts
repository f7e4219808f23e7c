/**
 * One server connection: requests parsed in order, answered one at a time in
 * the same order (pipelining), the phase clock the server's timeouts read,
 * and the hand-over of upgraded connections.
 *
 * @module
 */
import { StreamClosedError, type Transport, type WiremachineError } from '@wiremachine/core';
import {
  Http1Error,
  Http1ErrorCode,
  type Http1Machine,
  type Http1Output,
  type RequestHead,
  toHttp1Error,
} from '@wiremachine/protocols/http1';
import { type DriverPool, TimeoutError } from '@wiremachine/transports';
import type { SocketTransport } from '@wiremachine/transports/node';
import type { BodyOwner } from '../body.js';
import { WireConnection } from '../wire.js';
import type { ResolvedServerOptions } from './options.js';
import { ServerRequest } from './request.js';
import { type ResponseSink, ServerResponse } from './response.js';

/** @internal The request handler. */
export type Handler = (req: ServerRequest, res: ServerResponse) => void | Promise<void>;

/** @internal What a connection is waiting for: its timeouts follow it. */
export const Phase = {
  /** The first byte of the next request (keep-alive timeout). */
  IDLE: 0,
  /** The rest of a head (header timeout). */
  HEAD: 1,
  /** The rest of the current request (request timeout). */
  REQUEST: 2,
  /** The handler (no timeout). */
  HANDLER: 3,
} as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/** A queued item: a request, or a fault to answer in its turn. */
interface Item {
  req: ServerRequest | null;
  res: ServerResponse | null;
  error: Http1Error | null;
}

/** @internal What a connection needs from its server. */
export interface ConnectionHost {
  readonly options: ResolvedServerOptions;
  readonly machine: Http1Machine;
  /** Request parsers, borrowed while a connection has bytes to parse (an idle one holds none). */
  readonly drivers: DriverPool<Http1Output>;
  readonly handler: Handler;
  readonly draining: boolean;
  /** The connection is over (closed or upgraded): forget it. */
  release(conn: ServerConnection): void;
}

/** @internal */
export class ServerConnection extends WireConnection implements ResponseSink, BodyOwner {
  phase: Phase = Phase.HEAD;
  private upgraded = false;
  /** `Date.now()` when the current phase started. */
  since = Date.now();
  private readonly queue: Item[] = [];
  /** The request whose body is arriving. */
  private receiving: ServerRequest | null = null;
  private served = 0;
  /** No new request is started: the connection closes once the queued answers are sent. */
  private ending = false;
  /** Over: closed, or handed to an upgrade handler. Nothing more is read, parsed or sent. */
  private retired = false;
  private upgradeAt: ServerRequest | null = null;
  private readonly remote: string | undefined;
  /** Waiting for the write buffer to drain before the next request is started or parsed. */
  private flushing = false;
  /** The request at the front was not started: its turn comes when the write buffer drains. */
  private stalled = false;

  constructor(
    private readonly host: ConnectionHost,
    transport: Transport,
  ) {
    super(host.machine, transport, 1 << 20, host.drivers);
    this.remote = (transport as Partial<SocketTransport>).remoteAddress;
    this.flow.start();
  }

  /** The deadline of the current phase (ms since the epoch), or 0. */
  deadline(): number {
    const o = this.host.options;
    const t =
      this.phase === Phase.IDLE
        ? o.keepAliveTimeout
        : this.phase === Phase.HEAD
          ? o.headerTimeout
          : this.phase === Phase.REQUEST
            ? o.requestTimeout
            : 0;
    return t === 0 ? 0 : this.since + t;
  }

  /** The deadline passed: answer 408 if nothing was sent for the current request, and close. */
  expire(): void {
    if (this.retired) return;
    const o = this.host.options;
    const phase = this.phase;
    if (phase === Phase.IDLE) {
      this.close();
      return;
    }
    const ms = phase === Phase.HEAD ? o.headerTimeout : o.requestTimeout;
    const error = new TimeoutError('request', ms);
    const front = this.queue[0];
    if (front?.req != null) front.req.abort(error);
    if (front?.res != null && !front.res.headersSent) front.res.fail(408);
    else if (front === undefined) this.fatal(408);
    this.ending = true;
    this.close(front?.res?.finished === false ? error : undefined);
  }

  /** Graceful shutdown: finish what was received, then close. */
  drain(): void {
    if (this.queue.length === 0) this.close();
    else this.ending = true;
  }

  close(error?: unknown): void {
    if (this.retired) return;
    this.retired = true;
    this.closeWire(error);
    const reason = error ?? new Error('the connection closed');
    for (const item of this.queue) item.req?.abort(reason);
    this.queue.length = 0;
    this.host.release(this);
  }

  // The pump's owner: it hears every output as it is parsed.

  /** @internal */
  received(): void {
    if (this.phase === Phase.IDLE) this.enter(Phase.HEAD);
  }

  /** @internal Between requests, waiting for the next: the parser may serve another connection meanwhile. */
  atRest(): boolean {
    return (
      this.queue.length === 0 && this.receiving === null && !this.ending && !this.retired && this.upgradeAt === null
    );
  }

  /** @internal How many more outputs may be parsed now: none while blocked, else as many as the pump reads. */
  room(): number {
    return this.blocked() ? 0 : Number.POSITIVE_INFINITY;
  }

  private blocked(): boolean {
    if (this.overWritten()) return true;
    const q = this.queue.length;
    if (q === 0) return this.ending;
    const r = this.receiving;
    return (
      this.ending ||
      this.upgradeAt !== null ||
      (r === null ? q >= this.host.options.maxPipelined : r.body.cost >= this.host.options.highWaterMark)
    );
  }

  /** @internal The machine stopped: a fault, a failed input, an upgrade, or a clean end. */
  stopped(error: WiremachineError | null, failedEnd: boolean): void {
    if (error !== null) this.failed(failedEnd ? this.flow.failedInput(error) : error);
    else this.finished();
  }

  /** @internal */
  output(o: Http1Output): void {
    switch (o.type) {
      case 'head':
        this.onHead(o as RequestHead);
        break;
      case 'body':
        this.receiving?.body.push(o.data);
        break;
      case 'trailers':
        if (this.receiving !== null) this.receiving.trailers = o.trailers;
        break;
      case 'end':
        this.bodyEnded();
        break;
      case 'upgrade':
        // CONNECT and PRI have no body of their own: what follows belongs to the next protocol.
        this.bodyEnded();
        this.upgraded = true;
        break;
    }
  }

  private bodyEnded(): void {
    const r = this.receiving;
    this.receiving = null;
    if (r !== null) {
      r.body.end();
      if (this.queue[0]?.req === r && this.phase === Phase.REQUEST) this.enter(Phase.HANDLER);
    }
  }

  private failed(error: WiremachineError): void {
    const e = error instanceof StreamClosedError ? error : toHttp1Error(error);
    const r = this.receiving;
    if (r !== null) {
      // A fault inside a body: its reader hears of it, and the connection closes. A malformed body
      // (not a connection that failed) is answered with its status by the server itself, as node:http
      // does, unless the response has started: the handler's later writes then reject with the fault.
      this.receiving = null;
      r.body.end(e);
      this.ending = true;
      if (!(e instanceof Http1Error)) return;
      const item = this.queue.find((i) => i.req === r);
      if (item === undefined) return;
      if (item.res === null) item.error = e;
      else item.res.refuse(e.status, e);
      return;
    }
    if (!(e instanceof Http1Error)) {
      if (!this.queue.some((i) => i.req !== null && !i.req.head.keepAlive)) this.close(e);
      return;
    }
    this.fault(e);
  }

  /** Answer `e` in its turn, after the requests before it, and close. */
  private fault(e: Http1Error): void {
    if (this.queue.some((i) => i.req !== null && !i.req.head.keepAlive)) return; // bytes after a "close" request
    this.ending = true;
    const item: Item = { req: null, res: null, error: e };
    this.queue.push(item);
    if (this.queue.length === 1) this.startFront(item);
  }

  /** Start the item that just reached the front, unless the write buffer must drain first. */
  private startFront(item: Item): void {
    if (this.stalled) return;
    if (this.overWritten()) this.stalled = true;
    else this.start(item);
  }

  private finished(): void {
    // The machine ended: an upgrade, handed over in its turn; or a clean end of input.
    const front = this.queue[0];
    if (this.upgraded && front !== undefined && front.req === this.upgradeAt && front.res === null) this.start(front);
  }

  /** @internal */
  inputEnded(cause: unknown): void {
    if (cause !== undefined) {
      this.close(cause);
      return;
    }
    // A clean end: answer what was received (the client may read on), then close.
    this.ending = true;
    if (this.queue.length === 0) this.close();
  }

  // Requests

  private enter(phase: Phase): void {
    // A request's timeout runs from its first byte (the start of its HEAD phase); HANDLER has none.
    if (phase === Phase.IDLE || (phase === Phase.HEAD && this.phase !== Phase.HEAD)) this.since = Date.now();
    else if (phase === Phase.REQUEST && this.phase !== Phase.HEAD) this.since = Date.now();
    this.phase = phase;
  }

  private onHead(head: RequestHead): void {
    if (head.versionMinor === 1 && this.host.options.requireHost) {
      // RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host field; otherwise 400 (as node:http for none).
      const first = head.fields.indexOf('host');
      if (first < 0 || head.fields.indexOf('host', first + 1) >= 0) {
        const at = this.flow.offset - head.raw.length;
        const what = first < 0 ? 'an HTTP/1.1 request without Host' : 'more than one Host field';
        this.receiving = null;
        this.fault(new Http1Error(Http1ErrorCode.INVALID_HOST, what, { offset: at, state: 'head' }));
        return;
      }
    }
    const req = new ServerRequest(head, this, this.since, this.remote);
    this.receiving = req;
    const item: Item = { req, res: null, error: null };
    if (head.upgrade) this.upgradeAt = req;
    this.queue.push(item);
    if (this.queue.length === 1) {
      this.enter(Phase.REQUEST);
      this.startFront(item);
    }
  }

  // The owner of request bodies.

  /** @internal A body's reader took bytes: read on. */
  drained(): void {
    if (!this.retired) this.pump();
  }

  /** @internal A body's reader started: a request that expects it gets `100 Continue`. */
  started(): void {
    const front = this.queue[0];
    if (front?.req?.head.expectContinue && front.res !== null && !front.req.body.complete) front.res.writeContinue();
  }

  /** Run the handler of the item at the front. */
  private start(item: Item): void {
    if (item.error !== null) {
      this.fatal(item.error.status);
      return;
    }
    const req = item.req as ServerRequest;
    if (req === this.upgradeAt && this.host.options.onUpgrade !== undefined) {
      // Handed over once the machine has stopped (see finished()), with every byte after the head.
      if (this.flow.status === 'done' && !this.flow.isPumping) this.handOver(req);
      return;
    }
    // Responses are written one at a time, by the item at the front: the connection is their sink.
    const res = new ServerResponse(this, req.method, req.head.versionMinor === 0);
    item.res = res;
    if (req.body.complete) this.enter(Phase.HANDLER);
    let r: void | Promise<void>;
    try {
      r = this.host.handler(req, res);
    } catch (e) {
      this.handlerFailed(item, e);
      return;
    }
    if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
      (r as Promise<void>).then(
        () => {
          if (!res.finished) res.end().catch(() => {});
        },
        (e: unknown) => this.handlerFailed(item, e),
      );
    }
  }

  private handlerFailed(item: Item, e: unknown): void {
    const req = item.req as ServerRequest;
    try {
      this.host.options.onError?.(e, req);
    } catch {
      // A failing error listener must not take the connection's bookkeeping with it.
    }
    const res = item.res as ServerResponse;
    const status = typeof (e as { status?: unknown }).status === 'number' ? (e as { status: number }).status : 500;
    if (!res.fail(status >= 400 && status < 600 ? status : 500)) this.close(e);
  }

  // ResponseSink, for the response at the front.

  override write(data: Uint8Array): Promise<void> {
    return this.retired ? Promise.reject(new Error('the connection closed')) : super.write(data);
  }

  send(data: Uint8Array | string): void {
    if (!this.retired) this.sendNow(data);
  }

  keepAlive(): boolean {
    const front = this.queue[0];
    return front !== undefined && this.keepFront(front);
  }

  ended(keep: boolean): void {
    const front = this.queue[0];
    if (front !== undefined) this.responseDone(front, keep);
  }

  broken(error: unknown): void {
    this.close(error);
  }

  private keepFront(item: Item): boolean {
    const req = item.req as ServerRequest;
    if (!req.head.keepAlive || this.served + 1 >= this.host.options.maxRequestsPerConnection) return false;
    if (req === this.upgradeAt) return false;
    // A client that half-closed after pipelining still gets every answer: `ending` ends the
    // connection after the last one queued (RFC 9112 §9.6: it may read on).
    if (this.host.draining) return false;
    // Bytes after a body we never asked for (no 100 Continue sent) cannot be told from the next request.
    if (req.head.expectContinue && !req.body.complete && req.body.received === 0) return false;
    return !(this.ending && this.queue.length <= 1);
  }

  private responseDone(item: Item, keep: boolean): void {
    if (this.queue[0] !== item || this.retired) return;
    this.queue.shift();
    this.served++;
    const req = item.req as ServerRequest;
    if (!keep) {
      this.close();
      return;
    }
    if (!req.body.complete) req.body.discard();
    const next = this.queue[0];
    if (!(next === undefined && this.ending) && this.overWritten()) {
      // Not finished, for the purpose of reading on, until its bytes have left the write buffer:
      // a client that does not read would otherwise have every pipelined answer held in memory.
      this.stalled = next !== undefined;
      this.enter(Phase.HANDLER);
      return;
    }
    if (next !== undefined) {
      this.enter(next.req?.body.complete === false ? Phase.REQUEST : Phase.HANDLER);
      this.start(next);
    } else if (this.ending) {
      this.close();
      return;
    } else {
      this.enter(this.flow.buffered > 0 ? Phase.HEAD : Phase.IDLE);
    }
    this.pump();
  }

  /** `true` while more than the write high-water mark waits to be flushed; then the drain resumes the work. */
  private overWritten(): boolean {
    // A socket says 'drain' only once it held more than its own mark: never wait below that.
    if (this.unflushed <= Math.max(this.host.options.writeHighWaterMark, this.writeFloor)) return false;
    if (!this.flushing) {
      this.flushing = true;
      this.whenDrained(() => this.flushed());
    }
    return true;
  }

  private flushed(): void {
    this.flushing = false;
    if (this.retired) return;
    if (this.stalled) {
      this.stalled = false;
      const next = this.queue[0];
      if (next !== undefined) {
        this.enter(next.req?.body.complete === false ? Phase.REQUEST : Phase.HANDLER);
        this.start(next);
      }
    } else if (this.queue.length === 0) {
      if (this.ending) {
        this.close();
        return;
      }
      this.enter(this.flow.buffered > 0 ? Phase.HEAD : Phase.IDLE);
    }
    if (!this.retired) this.pump();
  }

  /** Answer a fault with its status and close. */
  private fatal(status: number): void {
    const res = new ServerResponse(
      {
        write: (d) => super.write(d),
        send: (d) => this.sendNow(d),
        keepAlive: () => false,
        ended: () => this.close(),
        broken: () => {},
      },
      'GET',
      false,
    );
    this.ending = true;
    res.fail(status);
  }

  private handOver(req: ServerRequest): void {
    const onUpgrade = this.host.options.onUpgrade as NonNullable<ResolvedServerOptions['onUpgrade']>;
    const t = this.transport as Partial<SocketTransport>;
    // The answers before it go out first: the socket is someone else's from now on.
    this.flush();
    this.uncork();
    const parts = this.flow.remaining();
    let socket = null;
    if (typeof t.detach === 'function' && t.socket !== undefined) {
      parts.push(...t.detach());
      socket = t.socket;
    }
    this.retired = true;
    this.queue.length = 0;
    this.host.release(this);
    onUpgrade(req, socket, Buffer.concat(parts));
  }
}
