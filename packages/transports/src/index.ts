/**
 * wiremachine transports: run a protocol machine over any byte transport, with
 * flow control, and the runtime-neutral adapters (memory, async iterables,
 * WHATWG streams, datagrams). Nothing here imports `node:`: it runs in
 * browsers, Deno and Bun. The Node adapters (TCP, TLS, UDP, stdio, child
 * processes) are in `@wiremachine/transports/node`.
 *
 * @packageDocumentation
 */
export type { ConnectionStatus, ConnectOptions } from './connection.js';
export { Connection, connect } from './connection.js';
export type { DatagramParse, DatagramSink, DatagramTransport, ParseDatagramOptions, Peer } from './datagram.js';
export { parseDatagram } from './datagram.js';
export type { DatagramEndpointOptions, DatagramMessage, RequestOptions } from './datagram-endpoint.js';
export { DatagramEndpoint, datagramEndpoint } from './datagram-endpoint.js';
export type { Deadline } from './deadline.js';
export type { TimeoutPhase } from './errors.js';
export {
  AbortedError,
  ProcessExitError,
  TimeoutError,
  TransportError,
  TransportErrorCode,
  TruncatedDatagramError,
  UnexpectedPlaintextError,
  WriteBufferOverflowError,
} from './errors.js';
export type { WriteFunction } from './iterable.js';
export { iterableTransport } from './iterable.js';
export type { MemoryDatagramOptions } from './memory-datagram.js';
export { memoryDatagramPair } from './memory-datagram.js';
export type { ParserStreamOptions } from './parser-stream.js';
export { parserStream } from './parser-stream.js';
export type { PumpOptions, PumpOwner } from './pump.js';
export { DriverPool, DriverPump } from './pump.js';
export type { WebStreamPair } from './web.js';
export { webStreamTransport } from './web.js';
