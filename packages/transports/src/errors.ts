/**
 * Typed errors of the transports, in core's scheme: each is a
 * `WiremachineError` (or a `ProtocolError`, for faults tied to a stream
 * position) with a stable string code, branded so that `instanceof` works
 * across two copies of the package.
 *
 * @module
 */
import { ERROR_ID, type ErrorPosition, ProtocolError, WiremachineError } from '@wiremachine/core';

/** Stable codes of the transport errors. Core's codes ({@link @wiremachine/core!ErrorCode}) keep their meaning. */
export const TransportErrorCode = {
  /** The operating system or the underlying stream failed (refused, reset, broken pipe): see `cause`. */
  TRANSPORT: 'WIREMACHINE_ERR_TRANSPORT',
  /** A connect, an idle period, a read or a request took longer than allowed. */
  TIMEOUT: 'WIREMACHINE_ERR_TIMEOUT',
  /** An `AbortSignal` cancelled the operation: `cause` is the signal's reason. */
  ABORTED: 'WIREMACHINE_ERR_ABORTED',
  /** A write would have held more unflushed bytes than `maxWriteBufferSize`. */
  WRITE_BUFFER_OVERFLOW: 'WIREMACHINE_ERR_WRITE_BUFFER_OVERFLOW',
  /** A read went past the end of a datagram: the datagram is short, never continued by the next one. */
  TRUNCATED_DATAGRAM: 'WIREMACHINE_ERR_TRUNCATED_DATAGRAM',
  /** Plaintext arrived after an upgrade request and before the TLS handshake (STARTTLS). */
  UNEXPECTED_PLAINTEXT: 'WIREMACHINE_ERR_UNEXPECTED_PLAINTEXT',
  /** A child process exited with a non-zero code or a signal. */
  PROCESS_EXIT: 'WIREMACHINE_ERR_PROCESS_EXIT',
} as const;

/** One of the {@link TransportErrorCode} values. */
export type TransportErrorCode = (typeof TransportErrorCode)[keyof typeof TransportErrorCode];

/**
 * The transport itself failed. `cause` holds what the platform reported (a
 * Node `ECONNREFUSED` error, a rejected web stream read).
 *
 * @example
 * ```ts
 * try { await tcpConnect({ port: 1 }) } catch (e) {
 *   if (e instanceof TransportError) console.log((e.cause as NodeJS.ErrnoException).code); // 'ECONNREFUSED'
 * }
 * ```
 */
export class TransportError extends WiremachineError {
  static override readonly [ERROR_ID]: string = 'wiremachine:TransportError';
  constructor(message: string, cause?: unknown) {
    super(TransportErrorCode.TRANSPORT, message, cause === undefined ? undefined : { cause });
  }
}

/** What timed out: see {@link TimeoutError.phase}. */
export type TimeoutPhase = 'connect' | 'idle' | 'read' | 'request' | 'handshake';

/**
 * An operation took longer than its timeout.
 *
 * @example
 * ```ts
 * await conn.read({ timeout: 1000 }).catch((e) => {
 *   if (e instanceof TimeoutError && e.phase === 'read') retry();
 * });
 * ```
 */
export class TimeoutError extends WiremachineError {
  static override readonly [ERROR_ID]: string = 'wiremachine:TimeoutError';
  /** The phase that timed out. */
  readonly phase: TimeoutPhase;
  /** The timeout, in milliseconds. */
  readonly ms: number;
  constructor(phase: TimeoutPhase, ms: number) {
    super(TransportErrorCode.TIMEOUT, `${phase} timed out after ${ms} ms`);
    this.phase = phase;
    this.ms = ms;
  }
}

/**
 * An `AbortSignal` cancelled the operation; `cause` is `signal.reason`.
 *
 * @example
 * ```ts
 * const ac = new AbortController();
 * const pending = tcpConnect({ port, signal: ac.signal });
 * ac.abort();
 * await pending; // rejects with AbortedError
 * ```
 */
export class AbortedError extends WiremachineError {
  static override readonly [ERROR_ID]: string = 'wiremachine:AbortedError';
  constructor(what: string, reason?: unknown) {
    super(TransportErrorCode.ABORTED, `${what} was aborted`, reason === undefined ? undefined : { cause: reason });
  }
}

/**
 * A write was refused: it would have left more than `limit` bytes written and
 * not yet flushed. Nothing of it was sent; the connection stays usable.
 *
 * @example
 * ```ts
 * await conn.write(big).catch((e) => {
 *   if (e instanceof WriteBufferOverflowError) slowDown();
 * });
 * ```
 */
export class WriteBufferOverflowError extends WiremachineError {
  static override readonly [ERROR_ID]: string = 'wiremachine:WriteBufferOverflowError';
  /** The `maxWriteBufferSize` in force. */
  readonly limit: number;
  /** Bytes already waiting to be flushed when the write came. */
  readonly pending: number;
  constructor(limit: number, pending: number, size: number) {
    super(
      TransportErrorCode.WRITE_BUFFER_OVERFLOW,
      `a write of ${size} bytes with ${pending} unflushed would pass maxWriteBufferSize (${limit})`,
    );
    this.limit = limit;
    this.pending = pending;
  }
}

/**
 * A read went past the end of a datagram. Datagrams are units: the rest of a
 * message is never awaited from the next one. `cause` is the driver's
 * `StreamClosedError`; `offset`, `state` and `excerpt` are its position.
 *
 * @example
 * ```ts
 * try { parseDatagram(frameProtocol, packet) } catch (e) {
 *   if (e instanceof TruncatedDatagramError) console.log(`short packet: ${e.length} bytes`);
 * }
 * ```
 */
export class TruncatedDatagramError extends ProtocolError {
  static override readonly [ERROR_ID]: string = 'wiremachine:TruncatedDatagramError';
  /** The datagram's length in bytes. */
  readonly length: number;
  constructor(length: number, position: Partial<ErrorPosition>, cause: unknown) {
    super(TransportErrorCode.TRUNCATED_DATAGRAM, `a read went past the end of a ${length}-byte datagram`, position, {
      cause,
    });
    this.length = length;
  }
}

/**
 * Bytes arrived in plaintext after the upgrade request and before the TLS
 * handshake. They are not fed to anything: `plaintext` holds them. (An attacker
 * who can inject them would otherwise have them read as if they had come over
 * TLS: CVE-2011-0411.)
 *
 * @example
 * ```ts
 * await startTls(conn, options).catch((e) => {
 *   if (e instanceof UnexpectedPlaintextError) log(`dropped ${e.plaintext.length} injected bytes`);
 * });
 * ```
 */
export class UnexpectedPlaintextError extends WiremachineError {
  static override readonly [ERROR_ID]: string = 'wiremachine:UnexpectedPlaintextError';
  /** The bytes that arrived between the upgrade request and the handshake. */
  readonly plaintext: Uint8Array;
  constructor(plaintext: Uint8Array) {
    super(
      TransportErrorCode.UNEXPECTED_PLAINTEXT,
      `${plaintext.length} bytes of plaintext arrived after the upgrade request, before the TLS handshake`,
    );
    this.plaintext = plaintext;
  }
}

/**
 * A child process ended badly: a non-zero exit code, or a signal.
 *
 * @example
 * ```ts
 * for await (const line of connect(lineProtocol, childProcessTransport(child))) use(line);
 * // throws StreamClosedError with cause ProcessExitError when the child fails mid-line
 * ```
 */
export class ProcessExitError extends WiremachineError {
  static override readonly [ERROR_ID]: string = 'wiremachine:ProcessExitError';
  /** The exit code, or `null` when a signal ended the process. */
  readonly exitCode: number | null;
  /** The signal that ended the process, or `null`. */
  readonly signal: string | null;
  constructor(exitCode: number | null, signal: string | null) {
    super(
      TransportErrorCode.PROCESS_EXIT,
      signal === null ? `the process exited with code ${exitCode}` : `the process was ended by ${signal}`,
    );
    this.exitCode = exitCode;
    this.signal = signal;
  }
}
