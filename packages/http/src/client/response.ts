/**
 * `ClientResponse`: a response head and its body, as the client hands it out.
 *
 * @module
 */
import type { Fields, ResponseHead } from '@wiremachine/protocols/http1';
import { Body, type BodyOwner } from '../body.js';

/**
 * A response. The promise of a request resolves with it once the head has
 * arrived; the body streams after (with backpressure: reading pauses while
 * the body is not read). Read the body, or call {@link ClientResponse.dump},
 * so the connection can serve the next request.
 *
 * @example
 * ```ts
 * const res = await pool.request('/');
 * console.log(res.status, res.headers.get('content-type'), await res.body.text());
 * ```
 */
export class ClientResponse {
  /** The body (empty for HEAD, 1xx, 204 and 304). */
  readonly body: Body;
  /** Trailer fields of a chunked body, once it ended. */
  trailers: Fields | null = null;

  /** @internal */
  constructor(
    /** The parsed head. */
    readonly head: ResponseHead,
    owner: BodyOwner,
  ) {
    this.body = new Body(owner);
  }

  /** The status code. */
  get status(): number {
    return this.head.status;
  }

  /** The reason phrase (`null` when the status line had none). */
  get reason(): string | null {
    return this.head.reason;
  }

  /** The field lines: `get(name)`, `getAll`, `has`, `entries()`. */
  get headers(): Fields {
    return this.head.fields;
  }

  /** Read the body to its end and drop it. */
  async dump(): Promise<void> {
    for (let r = await this.body.next(); !r.done; r = await this.body.next()) {
      // dropped
    }
  }
}
