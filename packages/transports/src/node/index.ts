/**
 * The Node.js adapters of wiremachine transports: `node:net` TCP and Unix
 * sockets, `node:tls` with STARTTLS, `node:dgram` UDP, stdin/stdout, child
 * processes and any Node stream.
 *
 * @packageDocumentation
 */
export type { ConnectionHandler, NetAddress, TcpConnectOptions, TcpListenOptions } from './net.js';
export { tcpConnect, tcpListen } from './net.js';
export type { StdioOptions } from './process.js';
export { childProcessTransport, stdioTransport } from './process.js';
export { SocketServer } from './server.js';
export type { SocketTransportOptions } from './socket.js';
export { SocketTransport } from './socket.js';
export type { PlaintextRule, StartTlsOptions, StartTlsResult } from './starttls.js';
export { startTls } from './starttls.js';
export type { StreamTransportOptions } from './stream.js';
export { duplexTransport, StreamTransport, streamTransport } from './stream.js';
export type { TlsConnectOptions, TlsListenOptions } from './tls.js';
export { tlsConnect, tlsListen } from './tls.js';
export type { UdpOptions } from './udp.js';
export { UdpTransport, udpSocket } from './udp.js';
