/**
 * Typed errors of the HTTP client and server, in core's scheme: each is a
 * `WiremachineError` with a stable code, branded so that `instanceof` works
 * across two copies of the package.
 *
 * @module
 */
import { ERROR_ID, WiremachineError } from '@wiremachine/core';

/** Codes of `@wiremachine/http`'s own errors. */
export const HttpErrorCode = {
  /** A body read whole (`bytes()`, `text()`, `json()`) was longer than its limit (`maxResponseSize`). */
  RESPONSE_TOO_LARGE: 'WIREMACHINE_ERR_HTTP_RESPONSE_TOO_LARGE',
  /** More informational (1xx) responses before the final one than `maxInformational`. */
  TOO_MANY_INFORMATIONAL: 'WIREMACHINE_ERR_HTTP_TOO_MANY_INFORMATIONAL',
  /** A response switched protocols (`101`, or a 2xx to `CONNECT`): the client does not hand connections out. */
  UNEXPECTED_UPGRADE: 'WIREMACHINE_ERR_HTTP_UNEXPECTED_UPGRADE',
} as const;
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/**
 * A response body read whole was, or announced that it would be, longer
 * than `maxResponseSize`. The connection is closed; a body read piece by
 * piece has no such limit. (A body past the parser's `maxBodySize`, however
 * read, is an `Http1Error` with code `WIREMACHINE_ERR_HTTP_BODY_TOO_LARGE`.)
 *
 * @example
 * ```ts
 * const text = await res.body.text().catch((e) => {
 *   if (e instanceof ResponseTooLargeError) return `(more than ${e.limit} bytes)`;
 *   throw e;
 * });
 * ```
 */
export class ResponseTooLargeError extends WiremachineError {
  static override readonly [ERROR_ID]: string = 'wiremachine:ResponseTooLargeError';
  constructor(
    /** The limit, in bytes. */
    readonly limit: number,
    /** Bytes received when the limit was passed, or the length the head announced. */
    readonly size: number,
    announced: boolean,
  ) {
    super(
      HttpErrorCode.RESPONSE_TOO_LARGE,
      announced
        ? `the body announces ${size} bytes, more than the limit of ${limit}`
        : `the body is longer than the limit of ${limit} bytes`,
    );
  }
}

/**
 * A server sent a response the client refuses although each head parsed:
 * more informational (1xx) responses before the final one than
 * `maxInformational` (`WIREMACHINE_ERR_HTTP_TOO_MANY_INFORMATIONAL`), or a
 * switch of protocols (`WIREMACHINE_ERR_HTTP_UNEXPECTED_UPGRADE`). The
 * request (or the body's reader) fails and the connection is closed.
 */
export class UnexpectedResponseError extends WiremachineError {
  static override readonly [ERROR_ID]: string = 'wiremachine:UnexpectedResponseError';
  constructor(
    code: HttpErrorCode,
    message: string,
    /** The status of the response refused. */
    readonly status: number,
  ) {
    super(code, message);
  }
}
