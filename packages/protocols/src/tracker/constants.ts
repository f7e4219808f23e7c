/**
 * Numbers of the UDP tracker protocol: BEP 15 (packets) and BEP 41 (announce
 * options). All integers on the wire are big-endian.
 *
 * @module
 */

/** The magic constant a connect request starts with (BEP 15, "connect request", offset 0). */
export const PROTOCOL_ID = 0x41727101980n;

/** The `action` field of every packet (BEP 15). */
export const Action = {
  CONNECT: 0,
  ANNOUNCE: 1,
  SCRAPE: 2,
  /** Responses only: the tracker refused the request; the rest of the datagram is a message. */
  ERROR: 3,
} as const;

/** One of the {@link Action} values. */
export type Action = (typeof Action)[keyof typeof Action];

/** The announce `event` field (BEP 15, offset 80), by name, in wire order: its index is its code. */
export const ANNOUNCE_EVENTS = ['none', 'completed', 'started', 'stopped'] as const;

/** What an announce reports: `none` for a regular announce. */
export type AnnounceEvent = (typeof ANNOUNCE_EVENTS)[number];

/** BEP 41 option types. Types 0 and 1 are one byte; every other type has a length byte. */
export const OptionType = {
  /** Stop parsing options; any bytes after it are padding (aria2 sends `00 00`). */
  END_OF_OPTIONS: 0,
  /** One byte, no length, no data. */
  NOP: 1,
  /** A part of the tracker URL's path and query; several are joined in order. */
  URL_DATA: 2,
} as const;

/** Fixed sizes and offsets of BEP 15 packets, in bytes. */
export const Size = {
  CONNECT_REQUEST: 16,
  /** A connect response is at least this long; extra bytes are ignored. */
  CONNECT_RESPONSE: 16,
  /** An announce request without options; BEP 41 options start at this offset. */
  ANNOUNCE_REQUEST: 98,
  /** A full announce response header; opentracker may send only the first 8 bytes. */
  ANNOUNCE_RESPONSE: 20,
  /** action and transaction id: the shortest reply, and an error response's header. */
  RESPONSE_HEADER: 8,
  /** connection id, action and transaction id. */
  REQUEST_HEADER: 16,
  INFO_HASH: 20,
  PEER_ID: 20,
  /** An IPv4 peer in an announce response: 4-byte address and 2-byte port. */
  IPV4_PEER: 6,
  /** An IPv6 peer in an announce response: 16-byte address and 2-byte port. */
  IPV6_PEER: 18,
  /** seeders, completed, leechers: one info hash in a scrape response. */
  SCRAPE_ENTRY: 12,
  /** The most data one BEP 41 option carries (its length is one byte). */
  OPTION_DATA: 255,
  /** The largest UDP payload (IPv6 without jumbograms; IPv4 allows 65,507). */
  DATAGRAM: 65_527,
} as const;

/** Info hashes per scrape request that keep it within a typical MTU ("up to about 74", BEP 15). */
export const MAX_SCRAPE_HASHES = 74;

/** The address family of the datagram a reply travels in: it decides the peer format. */
export type AddressFamily = 'ipv4' | 'ipv6';
