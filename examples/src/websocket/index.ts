export {
  acceptKey,
  acceptWebSocket,
  connectWebSocket,
  WebSocketConnection,
  type WebSocketEvents,
  type WebSocketOptions,
} from './connection.js';
export * from './frames.js';
export { createWsProtocol, unmask, type WsOptions } from './protocol.js';
