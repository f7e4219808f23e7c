/**
 * The address family of a datagram's sender, which decides the peer format
 * of an announce reply (BEP 15: "the address family of the datagram").
 *
 * @module
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { AddressFamily } from '@wiremachine/protocols/tracker';

/** A sender's address as a peer: its family and text, or `null` when it is no IP address (a memory transport). */
export interface PeerAddress {
  family: AddressFamily;
  ip: string | null;
}

const MAPPED = '::ffff:';

/**
 * The family and text of a sender's address. An IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.1`, how a dual-stack socket reports an IPv4 sender) is
 * the IPv4 address it maps: that client sent an IPv4 datagram.
 *
 * @example
 * ```ts
 * peerAddress('::ffff:127.0.0.1'); // { family: 'ipv4', ip: '127.0.0.1' }
 * peerAddress('::1'); // { family: 'ipv6', ip: '::1' }
 * peerAddress('fe80::1%eth0'); // { family: 'ipv6', ip: 'fe80::1' }
 * ```
 */
export function peerAddress(address: string): PeerAddress {
  if (isIPv4(address)) return { family: 'ipv4', ip: address };
  if (address.startsWith(MAPPED) && isIPv4(address.slice(MAPPED.length))) {
    return { family: 'ipv4', ip: address.slice(MAPPED.length) };
  }
  // A link-local sender comes with its zone (`fe80::1%eth0`): the zone names
  // one of our interfaces, nothing a peer could use, and a reply has no room for it.
  if (isIPv6(address))
    return { family: 'ipv6', ip: address.includes('%') ? address.slice(0, address.indexOf('%')) : address };
  return { family: 'ipv4', ip: null };
}
