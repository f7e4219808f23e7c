/**
 * `ServerRequest`: a parsed request head and its body, as a handler sees it.
 *
 * @module
 */
import type { Fields, RequestHead } from '@wiremachine/protocols/http1';
import { Body, type BodyOwner } from '../body.js';

/**
 * A request received by the server. The head is parsed; the body arrives
 * while the handler runs (`req.body`), with backpressure: reading pauses while
 * the handler has not read what is held. Reading the body of a request that
 * sent `Expect: 100-continue` sends `100 Continue` first.
 *
 * @example
 * ```ts
 * const server = createServer(async (req, res) => {
 *   const text = await req.body.text();
 *   await res.end(`${req.method} ${req.url}: ${text.length} bytes`);
 * });
 * ```
 */
export class ServerRequest {
  /** The body, as it arrives. */
  readonly body: Body;
  /** Trailer fields of a chunked body, once it ended (`null` when none were sent). */
  trailers: Fields | null = null;
  /** @internal When the request started, for its timeout. */
  readonly startedAt: number;
  private controller: AbortController | null = null;

  /** @internal */
  constructor(
    /** The parsed head. */
    readonly head: RequestHead,
    owner: BodyOwner,
    startedAt: number,
    /** The peer's address, when the transport has one. */
    readonly remoteAddress: string | undefined,
  ) {
    this.body = new Body(owner);
    this.startedAt = startedAt;
  }

  /** The method, as sent. */
  get method(): string {
    return this.head.method;
  }

  /** The request target, as sent (`/path?query`). */
  get url(): string {
    return this.head.url;
  }

  /** `"1.1"` or `"1.0"`. */
  get version(): string {
    return this.head.version;
  }

  /** The field lines: `get(name)`, `getAll`, `has`, `entries()`. */
  get headers(): Fields {
    return this.head.fields;
  }

  /** Aborted when the connection closes before the response is complete. */
  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  /** @internal The connection went away before the response was complete. */
  abort(reason: unknown): void {
    this.body.end(reason);
    this.controller?.abort(reason);
  }
}
