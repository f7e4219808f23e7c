/**
 * A WebSocket connection over a socket, both sides: the server's accept
 * (through `@wiremachine/http`'s upgrade hand-over) and the client's
 * connect (the project's HTTP/1 response parser reads the 101). Frames the
 * peer sends go through the {@link createWsProtocol} machine; pings are
 * answered, the close handshake is done as RFC 6455 §7 says, and a protocol
 * error closes with its status code (1002, 1007 or 1009).
 *
 * Left out: extensions (permessage-deflate), subprotocols, TLS (wss:), and
 * back-pressure on sends.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { createDriver, type WiremachineError } from '@wiremachine/core';
import type { ServerRequest } from '@wiremachine/http';
import { createResponseMachine, type Http1Output, type ResponseHead } from '@wiremachine/protocols/http1';
import { type BinaryMessage, closePayload, encodeFrame, OPCODE, type TextMessage, type WsOutput } from './frames.js';
import { createWsProtocol } from './protocol.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The `Sec-WebSocket-Accept` value for a key. */
export const acceptKey = (key: string) =>
  createHash('sha1')
    .update(key + GUID)
    .digest('base64');

/** Options of both sides. */
export interface WebSocketOptions {
  /** The longest message accepted (default 100 MiB). A longer one closes the connection with 1009. */
  maxMessageBytes?: number;
  /** Time to wait for the peer's close frame, or for the server to end TCP, in ms (default 5,000). */
  closeTimeout?: number;
}

/** Close codes for the parser's errors (RFC 6455 §7.4.1). */
function closeCodeOf(error: WiremachineError): number {
  if (error.code === 'WS_INVALID_UTF8') return 1007;
  if (error.code === 'WS_MESSAGE_TOO_BIG') return 1009;
  return 1002;
}

/** The events of a {@link WebSocketConnection}. */
export interface WebSocketEvents {
  message: [message: TextMessage | BinaryMessage];
  ping: [data: Uint8Array];
  pong: [data: Uint8Array];
  /** Once, when the TCP connection is closed: the code received (1005: none, 1006: no close frame). */
  close: [code: number, reason: string];
}

/** One open WebSocket, server or client side. */
export class WebSocketConnection extends EventEmitter<WebSocketEvents> {
  /** `open`, `closing` (a close frame was sent or received), `closed` (TCP closed). */
  state: 'open' | 'closing' | 'closed' = 'open';
  /** The parser's error, when the peer broke the protocol. */
  error: WiremachineError | null = null;
  private closeSent = false;
  private received: { code: number | null; reason: string } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly closeTimeout: number;

  constructor(
    private readonly socket: Socket,
    readonly role: 'server' | 'client',
    head: Uint8Array,
    options: WebSocketOptions = {},
  ) {
    super();
    this.closeTimeout = options.closeTimeout ?? 5000;
    const driver = createDriver(
      createWsProtocol({
        masking: role === 'server' ? 'required' : 'forbidden',
        maxMessageBytes: options.maxMessageBytes,
      }),
      {
        onOutput: (o: WsOutput) => this.output(o),
        onError: (e: WiremachineError) => {
          this.error = e;
          this.close(closeCodeOf(e), e.code);
          this.socket.end();
        },
      },
    );
    socket.setNoDelay(true);
    socket.on('data', (chunk) => driver.feed(chunk));
    socket.on('end', () => {
      driver.end();
      socket.end();
    });
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      this.state = 'closed';
      if (this.timer) clearTimeout(this.timer);
      const code = this.received === null ? 1006 : (this.received.code ?? 1005);
      this.emit('close', code, this.received?.reason ?? '');
    });
    if (head.length > 0) driver.feed(head);
    socket.resume();
  }

  private output(o: WsOutput) {
    switch (o.type) {
      case 'text':
      case 'binary':
        this.emit('message', o);
        return;
      case 'ping':
        if (!this.closeSent) this.sendFrame(OPCODE.pong, o.data);
        this.emit('ping', o.data);
        return;
      case 'pong':
        this.emit('pong', o.data);
        return;
      case 'close':
        this.received = { code: o.code, reason: o.reason };
        // Echo the code and reason (no body for none), then the server ends TCP; a client waits for it to.
        if (!this.closeSent) this.close(o.code ?? undefined, o.reason);
        if (this.role === 'server') this.socket.end();
        return;
    }
  }

  /** Sends one frame; a client masks it with a fresh key. */
  sendFrame(opcode: number, payload: Uint8Array, fin = true): void {
    if (this.closeSent || this.socket.destroyed) return;
    this.socket.write(encodeFrame({ opcode, payload, fin, mask: this.role === 'client' ? randomBytes(4) : null }));
  }

  /** Sends a message: text for a string, binary for bytes. */
  send(data: string | Uint8Array): void {
    if (typeof data === 'string') this.sendFrame(OPCODE.text, Buffer.from(data));
    else this.sendFrame(OPCODE.binary, data);
  }

  ping(data: Uint8Array = new Uint8Array(0)): void {
    this.sendFrame(OPCODE.ping, data);
  }

  /** Starts (or answers) the close handshake. Without a code, the close frame has no body. */
  close(code?: number, reason = ''): void {
    if (this.closeSent || this.socket.destroyed) return;
    this.sendFrame(OPCODE.close, closePayload(code, reason));
    this.closeSent = true;
    this.state = 'closing';
    this.timer = setTimeout(() => this.socket.destroy(), this.closeTimeout);
    this.timer.unref();
  }
}

/**
 * Accepts a WebSocket upgrade handed over by `createServer({ onUpgrade })`:
 * checks the request (GET, `Upgrade: websocket`, version 13, a 16-byte key),
 * answers 101, and returns the connection; or answers 400 (426 for another
 * version) and returns null.
 */
export function acceptWebSocket(
  req: ServerRequest,
  socket: Socket,
  head: Uint8Array,
  options?: WebSocketOptions,
): WebSocketConnection | null {
  const h = req.headers;
  const key = h.get('sec-websocket-key') ?? '';
  const refuse = (status: string, extra = '') => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n${extra}Content-Length: 0\r\n\r\n`);
    return null;
  };
  if (h.get('sec-websocket-version') !== '13') return refuse('426 Upgrade Required', 'Sec-WebSocket-Version: 13\r\n');
  if (req.method !== 'GET' || h.get('upgrade')?.toLowerCase() !== 'websocket' || !/^[A-Za-z0-9+/]{22}==$/.test(key))
    return refuse('400 Bad Request');
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
  );
  return new WebSocketConnection(socket, 'server', head, options);
}

/** Opens a WebSocket to a `ws://` URL. */
export function connectWebSocket(url: string, options: WebSocketOptions & { timeout?: number } = {}) {
  const u = new URL(url);
  if (u.protocol !== 'ws:') return Promise.reject(new Error(`only ws: URLs (${u.protocol})`));
  return new Promise<WebSocketConnection>((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const socket = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the WebSocket handshake timed out'));
    }, options.timeout ?? 10_000);
    let response: ResponseHead | null = null;
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const driver = createDriver(createResponseMachine(), {
      onOutput: (o: Http1Output) => {
        if (o.type === 'head' && o.kind === 'response') response = o;
      },
      onError: (e) => fail(e),
      onDone: () => {
        socket.off('data', onData);
        const r = response;
        if (r === null || r.status !== 101)
          return fail(new Error(`the server answered ${r?.status ?? 'nothing'}, not 101`));
        if (
          r.fields.get('upgrade')?.toLowerCase() !== 'websocket' ||
          r.fields.get('sec-websocket-accept') !== acceptKey(key)
        )
          return fail(new Error('the server did not accept the WebSocket key'));
        clearTimeout(timer);
        socket.pause();
        resolve(new WebSocketConnection(socket, 'client', driver.remaining(), options));
      },
    });
    const onData = (chunk: Buffer) => driver.feed(chunk);
    socket.on('data', onData);
    socket.once('error', fail);
    socket.once('connect', () =>
      socket.write(
        `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
  });
}
