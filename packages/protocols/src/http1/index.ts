/**
 * `@wiremachine/protocols/http1`: HTTP/1.x messages (RFC 9112) as wiremachine
 * machines: request and response parsing with every body framing, and a
 * serializer.
 *
 * @packageDocumentation
 */
export { parseChunkExtensions } from './chunked.js';
export { DEFAULT_LIMITS, HTTP1_STATES, type Http1StateName, LENIENT_FLAGS, type LenientFlag } from './constants.js';
export { Http1Error, Http1ErrorCode, toHttp1Error } from './errors.js';
export { Fields } from './fields.js';
export { type BodyKind, type MessageHead, RequestHead, ResponseHead } from './head.js';
export {
  type BodyOutput,
  type ChunkOutput,
  createRequestMachine,
  createResponseMachine,
  type EndOutput,
  type Http1Context,
  type Http1Machine,
  type Http1Output,
  type TrailersOutput,
  type UpgradeOutput,
} from './machine.js';
export type { Http1Options } from './options.js';
export {
  framedHeaders,
  type RequestMessage,
  type ResponseMessage,
  serializeRequest,
  serializeResponse,
} from './serialize.js';
