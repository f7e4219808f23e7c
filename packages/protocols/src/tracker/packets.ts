/**
 * The packets of BEP 15 and BEP 41, as the machines emit them and the
 * serializers take them. Each datagram is one packet; `type` names its action.
 *
 * Byte fields (info hashes, peer ids, option data) are views of the datagram
 * where it arrived in one piece: copy them to keep them after reusing it.
 *
 * @module
 */
import type { AnnounceEvent } from './constants.js';

/** Connect request (action 0): the protocol id `0x41727101980` and a transaction id; 16 bytes. */
export interface ConnectRequest {
  type: 'connect';
  transactionId: number;
}

/** A BEP 41 option of an announce request, as it appeared on the wire. */
export type AnnounceOption =
  /** EndOfOptions (type 0): option parsing stops; anything after it is padding. */
  | { type: 'end' }
  /** NOP (type 1): one byte. */
  | { type: 'nop' }
  /** URLData (type 2): a part of the tracker URL's path and query. */
  | { type: 'urlData'; data: Uint8Array }
  /** Any other type (3–255), with its data; the parser skips it by its length. */
  | { type: 'unknown'; code: number; data: Uint8Array };

/** Announce request (action 1): 98 bytes, then BEP 41 options. */
export interface AnnounceRequest {
  type: 'announce';
  /** u64, from the connect response. */
  connectionId: bigint;
  transactionId: number;
  /** 20 bytes. */
  infoHash: Uint8Array;
  /** 20 bytes. */
  peerId: Uint8Array;
  downloaded: bigint;
  left: bigint;
  uploaded: bigint;
  event: AnnounceEvent;
  /** The IPv4 address field; `null` when 0 ("use the sender's address"; it must be 0 over IPv6). */
  ip: string | null;
  key: number;
  /** Signed: -1 asks for the tracker's default number of peers. */
  numWant: number;
  port: number;
  /** Every URLData option's data, joined in order, one char per byte (latin1); `''` when none. */
  urlData: string;
  /** Every option as read, in order, up to and including EndOfOptions. */
  options: AnnounceOption[];
}

/** Scrape request (action 2): up to about 74 info hashes. */
export interface ScrapeRequest {
  type: 'scrape';
  connectionId: bigint;
  transactionId: number;
  /** At least one; 20 bytes each. */
  infoHashes: Uint8Array[];
}

/** Any request a tracker receives. */
export type TrackerRequest = ConnectRequest | AnnounceRequest | ScrapeRequest;

/** Connect response (action 0): at least 16 bytes; bytes after the connection id are ignored. */
export interface ConnectResponse {
  type: 'connect';
  transactionId: number;
  connectionId: bigint;
}

/** One peer of an announce response. */
export interface Peer {
  /** Dotted decimal, or RFC 5952 IPv6 text (`"::1"`). */
  ip: string;
  port: number;
}

/**
 * Announce response (action 1). `interval`, `leechers` and `seeders` are
 * `null` together, with no peers, when the tracker sent only the 8-byte
 * header (opentracker's answer for an info hash it does not track).
 */
export interface AnnounceResponse {
  type: 'announce';
  transactionId: number;
  /** Seconds to wait before the next regular announce. */
  interval: number | null;
  leechers: number | null;
  seeders: number | null;
  /** IPv4 peers (6 bytes each) or IPv6 peers (18 bytes each), as the datagram's family says. */
  peers: Peer[];
}

/** The counts of one info hash in a scrape response. */
export interface ScrapeEntry {
  seeders: number;
  /** Times the torrent was downloaded completely. */
  completed: number;
  leechers: number;
}

/** Scrape response (action 2): one entry per info hash, in request order. */
export interface ScrapeResponse {
  type: 'scrape';
  transactionId: number;
  entries: ScrapeEntry[];
}

/** Error response (action 3): a message to the end of the datagram. */
export interface ErrorResponse {
  type: 'error';
  transactionId: number;
  /** UTF-8 text, without the one trailing NUL some trackers send. */
  message: string;
}

/** Any response a client receives. */
export type TrackerResponse = ConnectResponse | AnnounceResponse | ScrapeResponse | ErrorResponse;
