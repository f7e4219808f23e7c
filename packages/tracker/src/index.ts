/**
 * A BitTorrent UDP tracker client and server (BEP 15, BEP 41) on wiremachine's
 * tracker packets (`@wiremachine/protocols/tracker`) and datagram transports.
 *
 * @example
 * ```ts
 * import { connectTracker, listenTracker } from '@wiremachine/tracker';
 * const tracker = await listenTracker();
 * const client = await connectTracker(`udp://127.0.0.1:${tracker.udp4?.port}/announce`);
 * const { peers } = await client.announce({ infoHash, peerId, port: 6881, left: 0n, event: 'started' });
 * ```
 *
 * @packageDocumentation
 */
export { type PeerAddress, peerAddress } from './address.js';
export {
  type AnnounceParams,
  type AnnounceResult,
  TrackerClient,
  type TrackerClientOptions,
  type TrackerClientStats,
  type TrackerRequestOptions,
} from './client.js';
export { type ConnectionIdOptions, ConnectionIds } from './connection-id.js';
export {
  type ExchangePhase,
  TrackerBadReplyError,
  TrackerNoReplyError,
  TrackerRefusedError,
  TrackerSessionErrorCode,
} from './errors.js';
export {
  type ExchangeEvent,
  type ExchangeHost,
  type ExchangeInput,
  type ExchangeOutput,
  exchangeMachine,
} from './exchange.js';
export { RateLimiter, type RateLimitOptions } from './rate-limit.js';
export { TrackerServer, type TrackerServerOptions, type TrackerServerStats } from './server.js';
export { peerKey, Swarm, type SwarmAnnounce, type SwarmCounts, Swarms, type SwarmsOptions } from './swarm.js';
export {
  type ConnectTrackerOptions,
  connectTracker,
  type ListenTrackerOptions,
  listenTracker,
  type RunningTracker,
} from './udp.js';
export { parseTrackerUrl, type TrackerUrl } from './url.js';
