/**
 * Serializers: every packet of BEP 15 and BEP 41 back to its datagram.
 * `parse(serialize(x))` gives `x` for every packet (the tests prove it).
 * Values out of range (a port above 65535, a 19-byte info hash, ...) are
 * refused with `WIREMACHINE_ERR_INVALID_ARGUMENT` rather than truncated.
 *
 * @module
 */
import { ErrorCode, WiremachineError } from '@wiremachine/core';
import { writeIPv4, writeIPv6 } from './address.js';
import { Action, type AddressFamily, ANNOUNCE_EVENTS, OptionType, PROTOCOL_ID, Size } from './constants.js';
import { fromLatin1, latin1, put16, put32, put64 } from './integers.js';
import type {
  AnnounceOption,
  AnnounceRequest,
  AnnounceResponse,
  ScrapeRequest,
  ScrapeResponse,
  TrackerRequest,
  TrackerResponse,
} from './packets.js';

/**
 * An announce request to serialize. Give the URL data as `urlData` (it is
 * split into URLData options of at most 255 bytes) or give every option as
 * `options`; a parsed request has both, and they must agree.
 */
export type AnnounceRequestInit = Omit<AnnounceRequest, 'urlData' | 'options'> & {
  urlData?: string;
  options?: readonly AnnounceOption[];
};

/** Any request to serialize. */
export type TrackerRequestInit = Exclude<TrackerRequest, AnnounceRequest> | AnnounceRequestInit;

function check(ok: boolean, what: string): void {
  if (!ok) throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, what);
}

function u32Field(v: number, name: string): number {
  check(Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff, `${name} must be an integer in 0..2^32-1, got ${v}`);
  return v;
}

function u64Field(v: bigint, name: string): bigint {
  check(typeof v === 'bigint' && v >= 0n && v <= 0xffff_ffff_ffff_ffffn, `${name} must be a bigint in 0..2^64-1`);
  return v;
}

function bytesField(v: Uint8Array, n: number, name: string): Uint8Array {
  check(v instanceof Uint8Array && v.length === n, `${name} must be ${n} bytes`);
  return v;
}

function portField(v: number, name = 'port'): number {
  check(Number.isInteger(v) && v >= 0 && v <= 0xffff, `${name} must be an integer in 0..65535, got ${v}`);
  return v;
}

/** The action and transaction id that start every response. */
function responseHeader(size: number, action: number, transactionId: number): Uint8Array {
  const out = new Uint8Array(size);
  put32(out, 0, action);
  put32(out, 4, u32Field(transactionId, 'transactionId'));
  return out;
}

/** The connection id, action and transaction id that start every request. */
function requestHeader(size: number, connectionId: bigint, action: number, transactionId: number): Uint8Array {
  const out = new Uint8Array(size);
  put64(out, 0, u64Field(connectionId, 'connectionId'));
  put32(out, 8, action);
  put32(out, 12, u32Field(transactionId, 'transactionId'));
  return out;
}

/** URL data as URLData options of at most 255 bytes each (BEP 41). */
function urlDataOptions(urlData: string): AnnounceOption[] {
  const data = fromLatin1(urlData, 'urlData');
  const out: AnnounceOption[] = [];
  for (let at = 0; at < data.length; at += Size.OPTION_DATA) {
    out.push({ type: 'urlData', data: data.subarray(at, at + Size.OPTION_DATA) });
  }
  return out;
}

/**
 * BEP 41 options as bytes. EndOfOptions may only come last (what follows it
 * would be padding); data is at most 255 bytes; unknown types are 3–255.
 *
 * @example
 * ```ts
 * const data = new TextEncoder().encode('/dir?a=b&c=d');
 * serializeOptions([{ type: 'urlData', data }, { type: 'nop' }, { type: 'nop' }, { type: 'end' }]);
 * // 02 0c "/dir?a=b&c=d" 01 01 00, the example of BEP 41
 * ```
 */
export function serializeOptions(options: readonly AnnounceOption[]): Uint8Array {
  let size = 0;
  for (let i = 0; i < options.length; i++) {
    const o = options[i];
    if (o.type === 'end') check(i === options.length - 1, 'EndOfOptions must be the last option');
    if (o.type === 'unknown') {
      check(
        Number.isInteger(o.code) && o.code > OptionType.URL_DATA && o.code <= 0xff,
        'unknown option code must be 3..255',
      );
    }
    if (o.type === 'urlData' || o.type === 'unknown') {
      check(o.data instanceof Uint8Array && o.data.length <= Size.OPTION_DATA, 'option data must be at most 255 bytes');
      size += 2 + o.data.length;
    } else {
      check(o.type === 'end' || o.type === 'nop', `unknown option ${JSON.stringify((o as { type: unknown }).type)}`);
      size += 1;
    }
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const o of options) {
    if (o.type === 'end' || o.type === 'nop') {
      out[at++] = o.type === 'end' ? OptionType.END_OF_OPTIONS : OptionType.NOP;
    } else {
      out[at++] = o.type === 'urlData' ? OptionType.URL_DATA : o.code;
      out[at++] = o.data.length;
      out.set(o.data, at);
      at += o.data.length;
    }
  }
  return out;
}

function announceOptions(r: AnnounceRequestInit): Uint8Array {
  if (r.options === undefined) return serializeOptions(urlDataOptions(r.urlData ?? ''));
  if (r.urlData !== undefined) {
    const joined = r.options.map((o) => (o.type === 'urlData' ? latin1(o.data) : '')).join('');
    check(joined === r.urlData, 'urlData and the URLData options disagree');
  }
  return serializeOptions(r.options);
}

function announceRequest(r: AnnounceRequestInit): Uint8Array {
  const options = announceOptions(r);
  const out = requestHeader(Size.ANNOUNCE_REQUEST + options.length, r.connectionId, Action.ANNOUNCE, r.transactionId);
  out.set(bytesField(r.infoHash, Size.INFO_HASH, 'infoHash'), 16);
  out.set(bytesField(r.peerId, Size.PEER_ID, 'peerId'), 36);
  put64(out, 56, u64Field(r.downloaded, 'downloaded'));
  put64(out, 64, u64Field(r.left, 'left'));
  put64(out, 72, u64Field(r.uploaded, 'uploaded'));
  const event = ANNOUNCE_EVENTS.indexOf(r.event);
  check(event >= 0, `event must be one of ${ANNOUNCE_EVENTS.join(', ')}`);
  put32(out, 80, event);
  if (r.ip !== null) writeIPv4(out, 84, r.ip);
  put32(out, 88, u32Field(r.key, 'key'));
  check(
    Number.isInteger(r.numWant) && r.numWant >= -(2 ** 31) && r.numWant < 2 ** 31,
    'numWant must be a 32-bit integer',
  );
  put32(out, 92, r.numWant);
  put16(out, 96, portField(r.port));
  out.set(options, Size.ANNOUNCE_REQUEST);
  return out;
}

function scrapeRequest(r: ScrapeRequest): Uint8Array {
  check(r.infoHashes.length > 0, 'a scrape request names at least one info hash');
  const out = requestHeader(16 + Size.INFO_HASH * r.infoHashes.length, r.connectionId, Action.SCRAPE, r.transactionId);
  for (let i = 0; i < r.infoHashes.length; i++) {
    out.set(bytesField(r.infoHashes[i], Size.INFO_HASH, `infoHashes[${i}]`), 16 + Size.INFO_HASH * i);
  }
  return out;
}

/**
 * A request datagram: connect (16 bytes), announce (98 bytes and options) or
 * scrape (16 bytes and 20 per info hash).
 *
 * @example
 * ```ts
 * socket.send(serializeRequest({ type: 'connect', transactionId: 0x1234 }));
 * ```
 */
export function serializeRequest(request: TrackerRequestInit): Uint8Array {
  switch (request.type) {
    case 'connect':
      return requestHeader(Size.CONNECT_REQUEST, PROTOCOL_ID, Action.CONNECT, request.transactionId);
    case 'announce':
      return announceRequest(request);
    case 'scrape':
      return scrapeRequest(request);
    default:
      throw new WiremachineError(
        ErrorCode.INVALID_ARGUMENT,
        `unknown request type ${String((request as { type: unknown }).type)}`,
      );
  }
}

function announceResponse(r: AnnounceResponse, family: AddressFamily): Uint8Array {
  if (r.interval === null) {
    check(
      r.leechers === null && r.seeders === null && r.peers.length === 0,
      'an 8-byte announce reply has no counts and no peers',
    );
    return responseHeader(Size.RESPONSE_HEADER, Action.ANNOUNCE, r.transactionId);
  }
  check(r.leechers !== null && r.seeders !== null, 'interval, leechers and seeders are null together or not at all');
  const size = family === 'ipv4' ? Size.IPV4_PEER : Size.IPV6_PEER;
  const out = responseHeader(Size.ANNOUNCE_RESPONSE + size * r.peers.length, Action.ANNOUNCE, r.transactionId);
  put32(out, 8, u32Field(r.interval, 'interval'));
  put32(out, 12, u32Field(r.leechers as number, 'leechers'));
  put32(out, 16, u32Field(r.seeders as number, 'seeders'));
  let at = Size.ANNOUNCE_RESPONSE;
  for (const peer of r.peers) {
    if (family === 'ipv4') writeIPv4(out, at, peer.ip);
    else writeIPv6(out, at, peer.ip);
    put16(out, at + size - 2, portField(peer.port, 'peer port'));
    at += size;
  }
  return out;
}

function scrapeResponse(r: ScrapeResponse): Uint8Array {
  const out = responseHeader(
    Size.RESPONSE_HEADER + Size.SCRAPE_ENTRY * r.entries.length,
    Action.SCRAPE,
    r.transactionId,
  );
  r.entries.forEach((e, i) => {
    const at = Size.RESPONSE_HEADER + Size.SCRAPE_ENTRY * i;
    put32(out, at, u32Field(e.seeders, 'seeders'));
    put32(out, at + 4, u32Field(e.completed, 'completed'));
    put32(out, at + 8, u32Field(e.leechers, 'leechers'));
  });
  return out;
}

const utf8 = new TextEncoder();

/**
 * A response datagram. `family` is the address family the reply travels in:
 * it decides the peer format of an announce response (6 or 18 bytes), and
 * every peer must be of that family (BEP 15: one reply never mixes them).
 *
 * @example
 * ```ts
 * const reply = serializeResponse({ type: 'error', transactionId, message: 'unknown info hash' }, { family: 'ipv4' });
 * ```
 */
export function serializeResponse(response: TrackerResponse, options: { family: AddressFamily }): Uint8Array {
  check(options.family === 'ipv4' || options.family === 'ipv6', "family must be 'ipv4' or 'ipv6'");
  switch (response.type) {
    case 'connect': {
      const out = responseHeader(Size.CONNECT_RESPONSE, Action.CONNECT, response.transactionId);
      put64(out, 8, u64Field(response.connectionId, 'connectionId'));
      return out;
    }
    case 'announce':
      return announceResponse(response, options.family);
    case 'scrape':
      return scrapeResponse(response);
    case 'error': {
      // One trailing NUL is stripped on parsing (opentracker ends its messages with one), so a
      // message that itself ends in NUL gets one more: parsing gives the message back.
      const text = utf8.encode(response.message.endsWith('\0') ? `${response.message}\0` : response.message);
      const out = responseHeader(Size.RESPONSE_HEADER + text.length, Action.ERROR, response.transactionId);
      out.set(text, Size.RESPONSE_HEADER);
      return out;
    }
    default:
      throw new WiremachineError(
        ErrorCode.INVALID_ARGUMENT,
        `unknown response type ${String((response as { type: unknown }).type)}`,
      );
  }
}
