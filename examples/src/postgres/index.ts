export { connectPg, type PgClient, type PgClientOptions, type PgResult, PgServerError } from './client.js';
export * from './encode.js';
export * from './messages.js';
export { createPgProtocol, decodeMessage, type PgOptions, pgProtocol } from './protocol.js';
