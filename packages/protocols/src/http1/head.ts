/**
 * Parsed heads: the start line and fields of a message, with the framing and
 * connection decisions made from them. Strings are made on first use.
 *
 * @module
 */
import type { Fields } from './fields.js';

/** How the body of a message is delimited (RFC 9112 §6.3). */
export type BodyKind = 'none' | 'length' | 'chunked' | 'close';

const VERSIONS: Record<number, string> = { 11: '1.1', 10: '1.0', 9: '0.9', 20: '2.0' };

/** What request and response heads share. */
abstract class HeadBase {
  /** Output type: every head is emitted as `{ type: 'head', ... }`. */
  readonly type = 'head' as const;
  /** `HTTP`, `RTSP` or `ICE` (the last two only as llhttp accepts them). */
  readonly protocol: string;
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** The field lines, in order. */
  readonly fields: Fields;
  /** How the body is delimited. `none` also for 1xx, 204, 304 and skipped bodies. (Read-only.) */
  bodyKind: BodyKind = 'none';
  /** Content-Length when the body is delimited by it, else -1. (Read-only.) */
  contentLength = -1;
  /** The connection stays open after this message (RFC 9112 §9.3). (Read-only.) */
  keepAlive = true;
  /**
   * The connection changes protocol after this message (Upgrade with
   * `Connection: upgrade`, CONNECT, a 101 response, PRI): the machine ends
   * and the driver's `remaining()` holds the next protocol's bytes. (Read-only.)
   */
  upgrade = false;
  private rawView: Uint8Array | null = null;

  constructor(protocol: string, major: number, minor: number, fields: Fields) {
    this.protocol = protocol;
    this.versionMajor = major;
    this.versionMinor = minor;
    this.fields = fields;
  }

  /** `"1.1"`, `"1.0"`, ... */
  get version(): string {
    return VERSIONS[this.versionMajor * 10 + this.versionMinor] ?? `${this.versionMajor}.${this.versionMinor}`;
  }

  /** Every field line as `[name, value]`. */
  get headers(): [string, string][] {
    return this.fields.entries();
  }

  /** Every name and value in one array, `[name0, value0, name1, value1, ...]`, as Node's `rawHeaders`. */
  get rawHeaders(): string[] {
    return this.fields.flat();
  }

  /** The raw bytes of the head (a view of what was read, made when first asked for). */
  get raw(): Uint8Array {
    this.rawView ??= this.fields.bytes();
    return this.rawView;
  }
}

/** A request head: request line and fields (RFC 9112 §3). */
export class RequestHead extends HeadBase {
  readonly kind = 'request' as const;
  /** The method, as sent (methods are case-sensitive). */
  readonly method: string;
  /** `Expect: 100-continue` was sent: answer 100 (or a final status) before reading the body. */
  readonly expectContinue: boolean;
  private readonly urlStart: number;
  private readonly urlEnd: number;
  private urlText: string | null = null;

  /** @internal */
  constructor(
    method: string,
    urlStart: number,
    urlEnd: number,
    protocol: string,
    major: number,
    minor: number,
    fields: Fields,
    expectContinue: boolean,
  ) {
    super(protocol, major, minor, fields);
    this.method = method;
    this.urlStart = urlStart;
    this.urlEnd = urlEnd;
    this.expectContinue = expectContinue;
  }

  /** The request target, as sent. */
  get url(): string {
    this.urlText ??= this.fields.text(this.urlStart, this.urlEnd);
    return this.urlText;
  }

  toJSON(): object {
    return { type: 'head', method: this.method, url: this.url, version: this.version, headers: this.headers };
  }
}

/** A response head: status line and fields (RFC 9112 §4). */
export class ResponseHead extends HeadBase {
  readonly kind = 'response' as const;
  /** The three-digit status code. */
  readonly status: number;
  private readonly reasonStart: number;
  private readonly reasonEnd: number;

  /** @internal */
  constructor(
    status: number,
    reasonStart: number,
    reasonEnd: number,
    protocol: string,
    major: number,
    minor: number,
    fields: Fields,
  ) {
    super(protocol, major, minor, fields);
    this.status = status;
    this.reasonStart = reasonStart;
    this.reasonEnd = reasonEnd;
  }

  /** The reason phrase; `null` when the status line has none (not even the space before it). */
  get reason(): string | null {
    return this.reasonStart < 0 ? null : this.fields.text(this.reasonStart, this.reasonEnd);
  }

  toJSON(): object {
    return { type: 'head', status: this.status, reason: this.reason, version: this.version, headers: this.headers };
  }
}

/** A request or response head. */
export type MessageHead = RequestHead | ResponseHead;
