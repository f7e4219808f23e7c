/**
 * `@wiremachine/http`: an HTTP/1.1 server and client over real sockets, on
 * wiremachine's HTTP/1.x machines.
 *
 * @packageDocumentation
 */
export { Body } from './body.js';
export type { PoolOptions, RequestBody, RequestOptions } from './client/options.js';
export { Pool } from './client/pool.js';
export { Agent, defaultAgent, request } from './client/request.js';
export { ClientResponse } from './client/response.js';
export { HttpErrorCode, ResponseTooLargeError, UnexpectedResponseError } from './errors.js';
export { type FilesOptions, serveFiles } from './files/index.js';
export type { Handler } from './server/connection.js';
export type { ServerOptions, UpgradeHandler } from './server/options.js';
export { ServerRequest } from './server/request.js';
export { ServerResponse } from './server/response.js';
export { type CloseOptions, createServer, HttpServer, type ListenOptions } from './server/server.js';
export type { BodyInit, HeadersInit } from './write-head.js';
