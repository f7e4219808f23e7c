export { createRespClient, type RespClient, type RespClientOptions } from './client.js';
export { encodeCommand } from './encode.js';
export { createRespProtocol, type RespOptions, type RespOutput, respProtocol } from './protocol.js';
export { RespError, type RespValue, type Verbatim } from './values.js';
