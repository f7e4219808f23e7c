/**
 * The request machine: one datagram a tracker receives (connect, announce or
 * scrape, BEP 15) with the announce options of BEP 41. Each state reads one
 * field; the packet is emitted when the datagram ends where it may end.
 *
 * @module
 */
import { bytes, fail, protocolTypes } from '@wiremachine/core';
import { assign, emit, setup } from 'xstate';
import { formatIPv4 } from './address.js';
import { Action, ANNOUNCE_EVENTS, type AnnounceEvent, OptionType, PROTOCOL_ID, Size } from './constants.js';
import { ragged, TrackerErrorCode, truncated } from './errors.js';
import { fieldState } from './field.js';
import { i32, latin1, u16, u32, u64 } from './integers.js';
import type { AnnounceOption, AnnounceRequest, TrackerRequest } from './packets.js';
import { push, type Stack, toArray } from './stack.js';

interface RequestContext {
  connectionId: bigint;
  action: number;
  transactionId: number;
  infoHash: Uint8Array;
  peerId: Uint8Array;
  downloaded: bigint;
  left: bigint;
  uploaded: bigint;
  event: AnnounceEvent;
  ip: string | null;
  key: number;
  numWant: number;
  port: number;
  /** The type and length of the option being read. */
  optionType: number;
  optionLength: number;
  options: Stack<AnnounceOption>;
  hashes: Stack<Uint8Array>;
}

const EMPTY = new Uint8Array(0);

function announce(c: RequestContext): AnnounceRequest {
  const options = toArray(c.options);
  let urlData = '';
  for (const o of options) if (o.type === 'urlData') urlData += latin1(o.data);
  return {
    type: 'announce',
    connectionId: c.connectionId,
    transactionId: c.transactionId,
    infoHash: c.infoHash,
    peerId: c.peerId,
    downloaded: c.downloaded,
    left: c.left,
    uploaded: c.uploaded,
    event: c.event,
    ip: c.ip,
    key: c.key,
    numWant: c.numWant,
    port: c.port,
    urlData,
    options,
  };
}

function option(type: number, data: Uint8Array): AnnounceOption {
  return type === OptionType.URL_DATA ? { type: 'urlData', data } : { type: 'unknown', code: type, data };
}

const hex = (n: bigint) => `0x${n.toString(16)}`;

const same = (data: Uint8Array) => data;

/** A state that reads one field of a request: see {@link fieldState}. */
const field = <K extends keyof RequestContext & string>(
  label: string,
  size: number,
  key: K,
  decode: (data: Uint8Array) => RequestContext[K],
  target: string,
) => fieldState<RequestContext, K>(label, size, key, decode, target);

/**
 * Parses one request datagram into a {@link TrackerRequest}. Feed the whole
 * datagram, then `end()`: the packet is emitted when the input ends where a
 * packet may end, and a read past the end is a typed error.
 *
 * @example
 * ```ts
 * const driver = createDriver(requestMachine, { onOutput: (request) => handle(request, rinfo) });
 * driver.feed(datagram);
 * driver.end();
 * ```
 */
export const requestMachine = setup({
  types: protocolTypes<RequestContext, TrackerRequest>(),
  guards: {
    badProtocolId: ({ context, event }) =>
      event.type === 'read' && u32(event.data) === Action.CONNECT && context.connectionId !== PROTOCOL_ID,
    requestAction: ({ event }) => event.type === 'read' && u32(event.data) <= Action.SCRAPE,
    isConnect: ({ context }) => context.action === Action.CONNECT,
    isAnnounce: ({ context }) => context.action === Action.ANNOUNCE,
    knownEvent: ({ event }) => event.type === 'read' && u32(event.data) < ANNOUNCE_EVENTS.length,
    endOfOptions: ({ event }) => event.type === 'read' && event.data[0] === OptionType.END_OF_OPTIONS,
    nop: ({ event }) => event.type === 'read' && event.data[0] === OptionType.NOP,
    emptyOption: ({ event }) => event.type === 'read' && event.data[0] === 0,
    atEnd: ({ event }) => event.type === 'eof' && event.unread.length === 0,
    // Nothing but a header: a scrape must name an info hash (an incomplete one is a size error below).
    noHashes: ({ context, event }) => event.type === 'eof' && event.unread.length === 0 && context.hashes === null,
  },
  actions: {
    emitAnnounce: emit(({ context }) => announce(context)),
    emitScrape: emit(({ context }) => ({
      type: 'scrape' as const,
      connectionId: context.connectionId,
      transactionId: context.transactionId,
      infoHashes: toArray(context.hashes),
    })),
  },
}).createMachine({
  id: 'trackerRequest',
  context: {
    connectionId: 0n,
    action: 0,
    transactionId: 0,
    infoHash: EMPTY,
    peerId: EMPTY,
    downloaded: 0n,
    left: 0n,
    uploaded: 0n,
    event: 'none',
    ip: null,
    key: 0,
    numWant: -1,
    port: 0,
    optionType: 0,
    optionLength: 0,
    options: null,
    hashes: null,
  },
  initial: 'connectionId',
  states: {
    // The protocol id of a connect request, the connection id of the others.
    connectionId: field('connection id', 8, 'connectionId', u64, 'action'),
    action: {
      meta: { read: bytes(4) },
      on: {
        read: [
          {
            guard: 'badProtocolId',
            actions: fail(
              TrackerErrorCode.BAD_PROTOCOL_ID,
              ({ context }) => `connect request with protocol id ${hex(context.connectionId)}, not ${hex(PROTOCOL_ID)}`,
            ),
          },
          {
            guard: 'requestAction',
            target: 'transactionId',
            actions: assign({ action: ({ event }) => u32(event.data) }),
          },
          {
            actions: fail(
              TrackerErrorCode.UNKNOWN_ACTION,
              ({ event }) => `action ${u32(event.data)} is not a request (0 connect, 1 announce, 2 scrape)`,
            ),
          },
        ],
        eof: { actions: truncated('action') },
      },
    },
    transactionId: {
      meta: { read: bytes(4) },
      on: {
        read: [
          {
            guard: 'isConnect',
            target: 'connectEnd',
            actions: assign({ transactionId: ({ event }) => u32(event.data) }),
          },
          {
            guard: 'isAnnounce',
            target: 'infoHash',
            actions: assign({ transactionId: ({ event }) => u32(event.data) }),
          },
          { target: 'scrapeHash', actions: assign({ transactionId: ({ event }) => u32(event.data) }) },
        ],
        eof: { actions: truncated('transaction id') },
      },
    },
    // A connect request is exactly 16 bytes.
    connectEnd: {
      meta: { read: bytes(1) },
      on: {
        read: { actions: fail(TrackerErrorCode.BAD_SIZE, `connect request longer than ${Size.CONNECT_REQUEST} bytes`) },
        eof: {
          target: 'done',
          actions: emit(({ context }) => ({ type: 'connect' as const, transactionId: context.transactionId })),
        },
      },
    },
    infoHash: field('info hash', Size.INFO_HASH, 'infoHash', same, 'peerId'),
    peerId: field('peer id', Size.PEER_ID, 'peerId', same, 'downloaded'),
    downloaded: field('downloaded', 8, 'downloaded', u64, 'left'),
    left: field('left', 8, 'left', u64, 'uploaded'),
    uploaded: field('uploaded', 8, 'uploaded', u64, 'event'),
    event: {
      meta: { read: bytes(4) },
      on: {
        read: [
          {
            guard: 'knownEvent',
            target: 'ip',
            actions: assign({ event: ({ event }) => ANNOUNCE_EVENTS[u32(event.data)] }),
          },
          {
            actions: fail(
              TrackerErrorCode.BAD_EVENT,
              ({ event }) => `announce event ${u32(event.data)} (0 none, 1 completed, 2 started, 3 stopped)`,
            ),
          },
        ],
        eof: { actions: truncated('event') },
      },
    },
    ip: {
      meta: { read: bytes(4) },
      on: {
        read: {
          target: 'key',
          actions: assign({ ip: ({ event }) => (u32(event.data) === 0 ? null : formatIPv4(event.data)) }),
        },
        eof: { actions: truncated('IP address') },
      },
    },
    key: field('key', 4, 'key', u32, 'numWant'),
    numWant: field('num_want', 4, 'numWant', i32, 'port'),
    port: field('port', 2, 'port', u16, 'option'),
    // BEP 41: options to the end of the datagram or to EndOfOptions.
    option: {
      meta: { read: bytes(1) },
      on: {
        read: [
          {
            guard: 'endOfOptions',
            target: 'done',
            actions: [assign({ options: ({ context }) => push(context.options, { type: 'end' }) }), 'emitAnnounce'],
          },
          { guard: 'nop', actions: assign({ options: ({ context }) => push(context.options, { type: 'nop' }) }) },
          { target: 'optionLength', actions: assign({ optionType: ({ event }) => event.data[0] }) },
        ],
        eof: { target: 'done', actions: 'emitAnnounce' },
      },
    },
    optionLength: {
      meta: { read: bytes(1) },
      on: {
        read: [
          {
            guard: 'emptyOption',
            target: 'option',
            actions: assign({ options: ({ context }) => push(context.options, option(context.optionType, EMPTY)) }),
          },
          { target: 'optionData', actions: assign({ optionLength: ({ event }) => event.data[0] }) },
        ],
        eof: {
          actions: fail(
            TrackerErrorCode.BAD_OPTION,
            ({ context }) => `option type ${context.optionType} without its length byte`,
          ),
        },
      },
    },
    optionData: {
      meta: { read: ({ context }) => bytes(context.optionLength) },
      on: {
        read: {
          target: 'option',
          actions: assign({
            options: ({ context, event }) => push(context.options, option(context.optionType, event.data)),
          }),
        },
        eof: {
          actions: fail(
            TrackerErrorCode.BAD_OPTION,
            ({ context, event }) =>
              `option type ${context.optionType} of ${context.optionLength} bytes runs past the end (${event.unread.length} present)`,
          ),
        },
      },
    },
    scrapeHash: {
      meta: { read: bytes(Size.INFO_HASH) },
      on: {
        read: { actions: assign({ hashes: ({ context, event }) => push(context.hashes, event.data) }) },
        eof: [
          { guard: 'noHashes', actions: fail(TrackerErrorCode.BAD_SIZE, 'scrape request without an info hash') },
          { guard: 'atEnd', target: 'done', actions: 'emitScrape' },
          { actions: ragged('info hash', Size.INFO_HASH) },
        ],
      },
    },
    done: { type: 'final' },
  },
});
