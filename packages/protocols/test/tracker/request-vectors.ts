/**
 * Request vectors: datagrams written by hand from BEP 15 / BEP 41 and from
 * what real clients send (../shared/PEERS.md), with the packet or the error
 * each must give. `vectors.test.ts` runs every one at every split point.
 */
import { TrackerErrorCode as E } from '../../src/tracker/index.js';
import { ascii, cat, fault, type Vector } from './bytes.js';

const HASH = 'aa'.repeat(20);
const PEER_ID = ascii('-lt2000-abcdefghijkl');

/** An announce request's 98 bytes: connection id, action 1, transaction id, then its fields. */
const announce98 = (event = '00000002', ip = '00000000') =>
  cat(
    'c0ffee0012345678 00000001 0a0b0c0d',
    HASH,
    PEER_ID,
    '0000000000000100 0000000100000000 0000000000000000',
    event,
    ip,
    'deadbeef ffffffff 1ae1',
  );

const announced = (extra: object = {}) => ({
  packet: {
    type: 'announce',
    connectionId: 0xc0ffee0012345678n,
    transactionId: 0x0a0b0c0d,
    infoHash: cat(HASH),
    peerId: PEER_ID,
    downloaded: 256n,
    left: 4294967296n,
    uploaded: 0n,
    event: 'started',
    ip: null,
    key: 0xdeadbeef,
    numWant: -1,
    port: 6881,
    urlData: '',
    options: [],
    ...extra,
  },
});

const urlData = (text: string) => ({ type: 'urlData', data: ascii(text) });

export const requestVectors: Vector[] = [
  {
    name: 'connect request',
    machine: 'request',
    input: cat('0000041727101980 00000000 12345678'),
    expect: { packet: { type: 'connect', transactionId: 0x12345678 } },
  },
  {
    name: 'connect request with another protocol id',
    machine: 'request',
    input: cat('0000041727101981 00000000 12345678'),
    expect: fault(E.BAD_PROTOCOL_ID, 8, 'action'),
  },
  {
    name: 'connect request with a 17th byte',
    machine: 'request',
    input: cat('0000041727101980 00000000 12345678 00'),
    expect: fault(E.BAD_SIZE, 16, 'connectEnd'),
  },
  {
    name: 'request with action 3 (error is a response)',
    machine: 'request',
    input: cat('0000041727101980 00000003 12345678'),
    expect: fault(E.UNKNOWN_ACTION, 8, 'action'),
  },
  {
    name: 'request with action 0x100',
    machine: 'request',
    input: cat('c0ffee0012345678 00000100 12345678'),
    expect: fault(E.UNKNOWN_ACTION, 8, 'action'),
  },
  {
    name: 'empty datagram as a request',
    machine: 'request',
    input: cat(''),
    expect: fault(E.TRUNCATED, 0, 'connectionId'),
  },
  { name: 'announce request of 98 bytes, no options', machine: 'request', input: announce98(), expect: announced() },
  {
    name: 'announce request with an IPv4 address and event stopped',
    machine: 'request',
    input: announce98('00000003', 'c0a80001'),
    expect: announced({ event: 'stopped', ip: '192.168.0.1' }),
  },
  {
    name: 'announce request with event 4',
    machine: 'request',
    input: announce98('00000004'),
    expect: fault(E.BAD_EVENT, 80, 'event'),
  },
  {
    name: "aria2's 100-byte announce: EndOfOptions, then a zero byte of padding",
    machine: 'request',
    input: cat(announce98(), '0000'),
    expect: announced({ options: [{ type: 'end' }] }),
    serializesTo: cat(announce98(), '00'),
  },
  {
    name: 'bytes after EndOfOptions are padding, whatever they are',
    machine: 'request',
    input: cat(announce98(), '00 ffff02'),
    expect: announced({ options: [{ type: 'end' }] }),
    serializesTo: cat(announce98(), '00'),
  },
  {
    name: "libtorrent's 117-byte announce with URL data",
    machine: 'request',
    input: cat(announce98(), '0211', ascii('/announce?key=abc')),
    expect: announced({ urlData: '/announce?key=abc', options: [urlData('/announce?key=abc')] }),
  },
  {
    name: 'the example of BEP 41: URLData, two NOPs, EndOfOptions',
    machine: 'request',
    input: cat(announce98(), '020c', ascii('/dir?a=b&c=d'), '010100'),
    expect: announced({
      urlData: '/dir?a=b&c=d',
      options: [urlData('/dir?a=b&c=d'), { type: 'nop' }, { type: 'nop' }, { type: 'end' }],
    }),
  },
  {
    name: 'URL data split over two URLData options is joined in order',
    machine: 'request',
    input: cat(announce98(), '0205', ascii('/anno'), '01 020c', ascii('unce?key=abc')),
    expect: announced({
      urlData: '/announce?key=abc',
      options: [urlData('/anno'), { type: 'nop' }, urlData('unce?key=abc')],
    }),
  },
  {
    name: 'an unknown option type is skipped by its length',
    machine: 'request',
    input: cat(announce98(), '0703010203 0202', ascii('/a')),
    expect: announced({ urlData: '/a', options: [{ type: 'unknown', code: 7, data: cat('010203') }, urlData('/a')] }),
  },
  {
    name: 'options of length 0',
    machine: 'request',
    input: cat(announce98(), '0200 ff00'),
    expect: announced({ options: [urlData(''), { type: 'unknown', code: 255, data: cat('') }] }),
  },
  {
    name: 'URLData whose length runs past the end',
    machine: 'request',
    input: cat(announce98(), '0211', ascii('/announce')),
    expect: fault(E.BAD_OPTION, 100, 'optionData'),
  },
  {
    name: 'an option type without its length byte',
    machine: 'request',
    input: cat(announce98(), '0102'),
    expect: fault(E.BAD_OPTION, 100, 'optionLength'),
  },
  {
    name: 'scrape request of two info hashes',
    machine: 'request',
    input: cat('c0ffee0012345678 00000002 00000007', HASH, '11'.repeat(20)),
    expect: {
      packet: {
        type: 'scrape',
        connectionId: 0xc0ffee0012345678n,
        transactionId: 7,
        infoHashes: [cat(HASH), cat('11'.repeat(20))],
      },
    },
  },
  {
    name: 'scrape request without an info hash',
    machine: 'request',
    input: cat('c0ffee0012345678 00000002 00000007'),
    expect: fault(E.BAD_SIZE, 16, 'scrapeHash'),
  },
  {
    name: 'scrape request of 16 + 20 + 5 bytes',
    machine: 'request',
    input: cat('c0ffee0012345678 00000002 00000007', HASH, '0102030405'),
    expect: fault(E.BAD_SIZE, 36, 'scrapeHash'),
  },
  {
    name: 'scrape request of 16 + 19 bytes',
    machine: 'request',
    input: cat('c0ffee0012345678 00000002 00000007', 'aa'.repeat(19)),
    expect: fault(E.BAD_SIZE, 16, 'scrapeHash'),
  },
];
