/**
 * The BitTorrent UDP tracker protocol (BEP 15) with announce options
 * (BEP 41): machines that parse each request and response datagram,
 * serializers for every packet, and one-call parsing.
 *
 * @example
 * ```ts
 * import { parseResponse, serializeRequest } from '@wiremachine/protocols/tracker';
 * socket.send(serializeRequest({ type: 'connect', transactionId }));
 * const reply = parseResponse(datagram, { family: 'ipv4' });
 * ```
 *
 * @packageDocumentation
 */
export { formatIPv4, formatIPv6, writeIPv4, writeIPv6 } from './address.js';
export {
  Action,
  type AddressFamily,
  ANNOUNCE_EVENTS,
  type AnnounceEvent,
  MAX_SCRAPE_HASHES,
  OptionType,
  PROTOCOL_ID,
  Size,
} from './constants.js';
export { isTrackerError, TrackerErrorCode } from './errors.js';
export type {
  AnnounceOption,
  AnnounceRequest,
  AnnounceResponse,
  ConnectRequest,
  ConnectResponse,
  ErrorResponse,
  Peer,
  ScrapeEntry,
  ScrapeRequest,
  ScrapeResponse,
  TrackerRequest,
  TrackerResponse,
} from './packets.js';
export { type ParsePacketOptions, parseRequest, parseResponse } from './parse.js';
export { requestMachine } from './request.js';
export { ipv4ResponseMachine, ipv6ResponseMachine, responseMachine } from './response.js';
export {
  type AnnounceRequestInit,
  serializeOptions,
  serializeRequest,
  serializeResponse,
  type TrackerRequestInit,
} from './serialize.js';
