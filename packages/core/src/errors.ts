/**
 * Typed errors with stable string codes.
 *
 * Every failure that bad input can cause is one of these classes, never a bare
 * `Error`. Callers match on `code`, which never changes between releases;
 * messages are for people and may change.
 *
 * Identity survives two copies of the package in one process: every instance
 * carries a `Symbol.for` brand, and `instanceof` checks the brand rather than
 * the prototype chain.
 *
 * @module
 */

/** Stable error codes, one per kind of failure. */
export const ErrorCode = {
  /** A read asked for more than its `maxBytes` allowed. */
  MAX_BYTES: 'WIREMACHINE_ERR_MAX_BYTES',
  /** More bytes were buffered than the driver's `maxBufferSize`. */
  BUFFER_OVERFLOW: 'WIREMACHINE_ERR_BUFFER_OVERFLOW',
  /** Input ended (or failed) while a read was still pending. */
  STREAM_CLOSED: 'WIREMACHINE_ERR_STREAM_CLOSED',
  /** Two steps in a row consumed nothing and produced nothing. */
  NO_PROGRESS: 'WIREMACHINE_ERR_NO_PROGRESS',
  /** A completed read reached a state with no enabled transition for it. */
  UNHANDLED_READ: 'WIREMACHINE_ERR_UNHANDLED_READ',
  /** A protocol rejected its input (the protocol gives a more precise `reason`). */
  PROTOCOL: 'WIREMACHINE_ERR_PROTOCOL',
  /** A read's decoder found bytes that are not what it decodes (a number, UTF-8). */
  DECODE_SYNTAX: 'WIREMACHINE_ERR_DECODE_SYNTAX',
  /** A read's decoder found a number past the range it decodes to. */
  DECODE_OVERFLOW: 'WIREMACHINE_ERR_DECODE_OVERFLOW',
  /** An action or guard of the machine threw something that is not a wiremachine error. */
  ACTION_FAILED: 'WIREMACHINE_ERR_ACTION_FAILED',
  /** A machine was refused when it was compiled or validated. */
  INVALID_MACHINE: 'WIREMACHINE_ERR_INVALID_MACHINE',
  /** An API was called with arguments it cannot accept. */
  INVALID_ARGUMENT: 'WIREMACHINE_ERR_INVALID_ARGUMENT',
  /** An API was called in a state that does not allow it (a second concurrent read, say). */
  INVALID_STATE: 'WIREMACHINE_ERR_INVALID_STATE',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const BRAND = Symbol.for('wiremachine.error');
const KIND = Symbol.for('wiremachine.error.kind');
/**
 * The key under which an error class names its stable kind, as
 * `static readonly [ERROR_ID] = 'package:ClassName'`. `instanceof` and
 * `isInstance` go by these kinds, so they hold across copies of a package and
 * minified class names. A protocol's own error classes set it too.
 *
 * @example
 * ```ts
 * class MqttError extends ProtocolError {
 *   static override readonly [ERROR_ID]: string = 'mqtt:MqttError';
 * }
 * ```
 */
export const ERROR_ID: unique symbol = Symbol.for('wiremachine.error.id');

function idOf(ctor: Function): string {
  return Object.hasOwn(ctor, ERROR_ID) ? (ctor as unknown as { [ERROR_ID]: string })[ERROR_ID] : ctor.name;
}

function hasKind(value: unknown, kind: string): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const kinds = (value as { [KIND]?: readonly string[] })[KIND];
  return kinds?.includes(kind) === true;
}

/**
 * Base class of every error wiremachine raises.
 *
 * @example
 * ```ts
 * try { driver.feed(bytes) } catch (e) {
 *   if (e instanceof WiremachineError && e.code === ErrorCode.MAX_BYTES) reply(431);
 * }
 * ```
 */
export class WiremachineError extends Error {
  /** Stable code; see {@link ErrorCode}. Protocols may define codes of their own. */
  readonly code: string;
  declare readonly [BRAND]: true;
  declare readonly [KIND]: readonly string[];

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    recent = this;
    Object.defineProperty(this, BRAND, { value: true });
    Object.defineProperty(this, KIND, { value: kindsOf(new.target) });
  }

  static readonly [ERROR_ID]: string = 'wiremachine:WiremachineError';

  override get name(): string {
    return this.constructor.name;
  }

  // Some libraries assign `name`; let them, on this instance only.
  override set name(value: string) {
    Object.defineProperty(this, 'name', { value, writable: true, configurable: true, enumerable: false });
  }

  // `this` is the class on the right of `instanceof`: each subclass checks its own kind.
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: the receiver is the point here.
    if (this === WiremachineError) {
      return typeof value === 'object' && value !== null && (value as { [BRAND]?: true })[BRAND] === true;
    }
    // biome-ignore lint/complexity/noThisInStatic: as above.
    return hasKind(value, idOf(this));
  }
}

/** The wiremachine error made last (see {@link recentError}). */
let recent: WiremachineError | null = null;

/**
 * The wiremachine error made last, for the one place that needs it: xstate
 * rethrows what a guard of an event's transition throws as a new `Error`
 * that keeps only the message (no `cause`), and the xstate executor finds the
 * original by it. Internal: not exported from the package.
 */
export function recentError(): WiremachineError | null {
  return recent;
}

function kindsOf(ctor: Function): readonly string[] {
  const kinds: string[] = [];
  for (let c: Function | null = ctor; c && c !== Error && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    kinds.push(idOf(c));
  }
  return kinds;
}

/** Where in the stream and in the machine a protocol error happened. */
export interface ErrorPosition {
  /** Byte offset in the whole stream (0 is the first byte ever fed). */
  offset: number;
  /** The machine state that was waiting, as a dotted path (`"head.line"`). */
  state: string;
  /** Up to 32 of the offending bytes, starting at `offset`. */
  excerpt: Uint8Array;
}

/**
 * The input broke the protocol. Carries the position: byte offset, state and
 * an excerpt of the offending bytes. `code` is one of {@link ErrorCode} or a
 * code the protocol defines (`FRAME_TOO_LARGE`, say).
 */
export class ProtocolError extends WiremachineError implements ErrorPosition {
  static override readonly [ERROR_ID]: string = 'wiremachine:ProtocolError';
  offset: number;
  state: string;
  excerpt: Uint8Array;

  constructor(code: string, message: string, position: Partial<ErrorPosition> = {}, options?: { cause?: unknown }) {
    super(code, message, options);
    this.offset = position.offset ?? -1;
    this.state = position.state ?? '';
    this.excerpt = position.excerpt ?? new Uint8Array(0);
  }
}

/** A read exceeded its `maxBytes` before it could complete. */
export class MaxBytesError extends ProtocolError {
  static override readonly [ERROR_ID]: string = 'wiremachine:MaxBytesError';
  /** The limit that was exceeded. */
  readonly limit: number;
  constructor(limit: number, position: Partial<ErrorPosition> = {}) {
    super(ErrorCode.MAX_BYTES, `read exceeds maxBytes (${limit})`, position);
    this.limit = limit;
  }
}

/** More was buffered than the driver's `maxBufferSize` allows. */
export class BufferOverflowError extends ProtocolError {
  static override readonly [ERROR_ID]: string = 'wiremachine:BufferOverflowError';
  readonly limit: number;
  constructor(limit: number, buffered: number, position: Partial<ErrorPosition> = {}) {
    super(ErrorCode.BUFFER_OVERFLOW, `buffered ${buffered} bytes, more than maxBufferSize (${limit})`, position);
    this.limit = limit;
  }
}

/**
 * The input ended while a read was pending. `cause` holds the transport's
 * error, if it ended with one; `unread` holds the bytes that no read took.
 */
export class StreamClosedError extends ProtocolError {
  static override readonly [ERROR_ID]: string = 'wiremachine:StreamClosedError';
  readonly unread: Uint8Array;
  constructor(message: string, unread: Uint8Array, position: Partial<ErrorPosition> = {}, cause?: unknown) {
    super(ErrorCode.STREAM_CLOSED, message, position, cause === undefined ? undefined : { cause });
    this.unread = unread;
  }
}

/** A machine was refused: it names the state and the feature. */
export class InvalidMachineError extends WiremachineError {
  static override readonly [ERROR_ID]: string = 'wiremachine:InvalidMachineError';
  readonly state: string;
  readonly feature: string;
  constructor(state: string, feature: string, message: string) {
    super(ErrorCode.INVALID_MACHINE, `state "${state}": ${message}`);
    this.state = state;
    this.feature = feature;
  }
}

/**
 * Thrown from inside a machine's action to reject input. The driver catches
 * it and returns a {@link ProtocolError} filled in with the position.
 * Use the {@link fail} action rather than throwing this yourself.
 */
export class ProtocolFault extends WiremachineError {
  static override readonly [ERROR_ID]: string = 'wiremachine:ProtocolFault';
}

/** `true` when `value` is a wiremachine error, whichever copy of the package made it. */
export function isWiremachineError(value: unknown): value is WiremachineError {
  return value instanceof WiremachineError;
}
