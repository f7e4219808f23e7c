/**
 * Response vectors: datagrams written by hand from BEP 15 and from what real
 * trackers send (../shared/PEERS.md), with the packet or the error each must
 * give. `vectors.test.ts` runs every one at every split point.
 */
import { TrackerErrorCode as E } from '../../src/tracker/index.js';
import { ascii, cat, fault, type Vector } from './bytes.js';

export const responseVectors: Vector[] = [
  {
    name: 'connect response',
    machine: 'ipv4',
    input: cat('00000000 12345678 0000041727101980'),
    expect: { packet: { type: 'connect', transactionId: 0x12345678, connectionId: 0x41727101980n } },
  },
  {
    name: 'connect response with bytes after its 16 (allowed)',
    machine: 'ipv6',
    input: cat('00000000 12345678 0000041727101980 deadbeef'),
    expect: { packet: { type: 'connect', transactionId: 0x12345678, connectionId: 0x41727101980n } },
    serializesTo: cat('00000000 12345678 0000041727101980'),
  },
  {
    name: 'connect response of 15 bytes',
    machine: 'ipv4',
    input: cat('00000000 12345678 00000417271019'),
    expect: fault(E.TRUNCATED, 8, 'connectionId'),
  },
  {
    name: 'announce response with two IPv4 peers',
    machine: 'ipv4',
    input: cat('00000001 0000002a 00000708 00000005 00000003 7f000001 1ae1 0a000002 c8d5'),
    expect: {
      packet: {
        type: 'announce',
        transactionId: 42,
        interval: 1800,
        leechers: 5,
        seeders: 3,
        peers: [
          { ip: '127.0.0.1', port: 6881 },
          { ip: '10.0.0.2', port: 51413 },
        ],
      },
    },
  },
  {
    name: "opentracker's 8-byte announce reply",
    machine: 'ipv4',
    input: cat('00000001 0000002a'),
    expect: {
      packet: { type: 'announce', transactionId: 42, interval: null, leechers: null, seeders: null, peers: [] },
    },
  },
  {
    name: 'announce response of 10 bytes',
    machine: 'ipv4',
    input: cat('00000001 0000002a 0000'),
    expect: fault(E.TRUNCATED, 8, 'interval'),
  },
  {
    name: 'IPv4 peer list of 7 bytes',
    machine: 'ipv4',
    input: cat('00000001 0000002a 00000708 00000005 00000003 7f000001 1ae1 0a'),
    expect: fault(E.BAD_SIZE, 26, 'peer'),
  },
  {
    name: 'announce response with IPv6 peers, canonical text',
    machine: 'ipv6',
    input: cat(
      '00000001 0000002a 00000708 00000000 00000001',
      '00000000000000000000000000000001 1ae1',
      '20010db8000000000001000000000001 c8d5',
      '00000000000000000000ffff7f000001 0050',
      'fe800000000000000000000000000000 0001',
    ),
    expect: {
      packet: {
        type: 'announce',
        transactionId: 42,
        interval: 1800,
        leechers: 0,
        seeders: 1,
        peers: [
          { ip: '::1', port: 6881 },
          { ip: '2001:db8::1:0:0:1', port: 51413 },
          { ip: '::ffff:127.0.0.1', port: 80 },
          { ip: 'fe80::', port: 1 },
        ],
      },
    },
  },
  {
    name: 'an IPv4 peer list read as IPv6',
    machine: 'ipv6',
    input: cat('00000001 0000002a 00000708 00000005 00000003 7f000001 1ae1'),
    expect: fault(E.BAD_SIZE, 20, 'peer'),
  },
  {
    name: 'scrape response of two entries',
    machine: 'ipv4',
    input: cat('00000002 00000007 00000001 00000002 00000003 0000000a 0000000b 0000000c'),
    expect: {
      packet: {
        type: 'scrape',
        transactionId: 7,
        entries: [
          { seeders: 1, completed: 2, leechers: 3 },
          { seeders: 10, completed: 11, leechers: 12 },
        ],
      },
    },
  },
  {
    name: 'scrape response of 8 + 12 + 4 bytes',
    machine: 'ipv4',
    input: cat('00000002 00000007 00000001 00000002 00000003 0000000a'),
    expect: fault(E.BAD_SIZE, 20, 'scrapeEntry'),
  },
  {
    name: "opentracker's error message, which ends in NUL",
    machine: 'ipv4',
    input: cat('00000003 00000007', ascii('Connection ID missmatch.\0')),
    expect: { packet: { type: 'error', transactionId: 7, message: 'Connection ID missmatch.' } },
    serializesTo: cat('00000003 00000007', ascii('Connection ID missmatch.')),
  },
  {
    name: 'error message without NUL',
    machine: 'ipv6',
    input: cat('00000003 00000007', ascii('unknown info hash')),
    expect: { packet: { type: 'error', transactionId: 7, message: 'unknown info hash' } },
  },
  {
    name: 'only one trailing NUL is stripped',
    machine: 'ipv4',
    input: cat('00000003 00000007 41 00 00'),
    expect: { packet: { type: 'error', transactionId: 7, message: 'A\0' } },
  },
  {
    name: 'error message in UTF-8',
    machine: 'ipv4',
    input: cat('00000003 00000007 636166c3a9'),
    expect: { packet: { type: 'error', transactionId: 7, message: 'café' } },
  },
  {
    name: 'error response of 8 bytes: an empty message',
    machine: 'ipv4',
    input: cat('00000003 00000007'),
    expect: { packet: { type: 'error', transactionId: 7, message: '' } },
  },
  {
    name: 'response with action 4',
    machine: 'ipv4',
    input: cat('00000004 00000007'),
    expect: fault(E.UNKNOWN_ACTION, 0, 'action'),
  },
  {
    name: 'response of 6 bytes',
    machine: 'ipv6',
    input: cat('00000003 0000'),
    expect: fault(E.TRUNCATED, 4, 'transactionId'),
  },
  { name: 'empty datagram as a response', machine: 'ipv4', input: cat(''), expect: fault(E.TRUNCATED, 0, 'action') },
];
