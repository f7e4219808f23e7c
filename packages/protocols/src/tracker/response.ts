/**
 * The response machines: one datagram a client receives (connect, announce,
 * scrape or error, BEP 15). The peer format of an announce response depends
 * on the address family the datagram travelled in, so there is one machine
 * per family.
 *
 * @module
 */
import { bytes, ErrorCode, fail, protocolTypes, untilClose, WiremachineError } from '@wiremachine/core';
import { assign, emit, setup } from 'xstate';
import { formatIPv4, formatIPv6 } from './address.js';
import { Action, type AddressFamily, Size } from './constants.js';
import { ragged, TrackerErrorCode, truncated } from './errors.js';
import { fieldState } from './field.js';
import { u16, u32, u64 } from './integers.js';
import type { Peer, ScrapeEntry, TrackerResponse } from './packets.js';
import { push, type Stack, toArray } from './stack.js';

interface ResponseContext {
  action: number;
  transactionId: number;
  interval: number;
  leechers: number;
  seeders: number;
  peers: Stack<Peer>;
  entries: Stack<ScrapeEntry>;
}

const utf8 = new TextDecoder();

/** The message of an error response: UTF-8, without one trailing NUL (opentracker sends it). */
function message(data: Uint8Array): string {
  const end = data.length > 0 && data[data.length - 1] === 0 ? data.length - 1 : data.length;
  return utf8.decode(data.subarray(0, end));
}

const ipv4Peer = (d: Uint8Array): Peer => ({ ip: formatIPv4(d, 0), port: u16(d, 4) });
const ipv6Peer = (d: Uint8Array): Peer => ({ ip: formatIPv6(d, 0), port: u16(d, 16) });

function createResponseMachine(family: AddressFamily) {
  const peerSize = family === 'ipv4' ? Size.IPV4_PEER : Size.IPV6_PEER;
  const peer = family === 'ipv4' ? ipv4Peer : ipv6Peer;
  return setup({
    types: protocolTypes<ResponseContext, TrackerResponse>(),
    guards: {
      responseAction: ({ event }) => event.type === 'read' && u32(event.data) <= Action.ERROR,
      isConnect: ({ context }) => context.action === Action.CONNECT,
      isAnnounce: ({ context }) => context.action === Action.ANNOUNCE,
      isScrape: ({ context }) => context.action === Action.SCRAPE,
      atEnd: ({ event }) => event.type === 'eof' && event.unread.length === 0,
    },
  }).createMachine({
    id: `trackerResponse_${family}`,
    context: { action: 0, transactionId: 0, interval: 0, leechers: 0, seeders: 0, peers: null, entries: null },
    initial: 'action',
    states: {
      action: {
        meta: { read: bytes(4) },
        on: {
          read: [
            {
              guard: 'responseAction',
              target: 'transactionId',
              actions: assign({ action: ({ event }) => u32(event.data) }),
            },
            {
              actions: fail(
                TrackerErrorCode.UNKNOWN_ACTION,
                ({ event }) => `action ${u32(event.data)} is not a response (0 connect, 1 announce, 2 scrape, 3 error)`,
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
              target: 'connectionId',
              actions: assign({ transactionId: ({ event }) => u32(event.data) }),
            },
            {
              guard: 'isAnnounce',
              target: 'interval',
              actions: assign({ transactionId: ({ event }) => u32(event.data) }),
            },
            {
              guard: 'isScrape',
              target: 'scrapeEntry',
              actions: assign({ transactionId: ({ event }) => u32(event.data) }),
            },
            { target: 'message', actions: assign({ transactionId: ({ event }) => u32(event.data) }) },
          ],
          eof: { actions: truncated('transaction id') },
        },
      },
      // BEP 15: "Check whether the packet is at least 16 bytes": what follows is left unread.
      connectionId: {
        meta: { read: bytes(8) },
        on: {
          read: {
            target: 'done',
            actions: emit(({ context, event }) => ({
              type: 'connect' as const,
              transactionId: context.transactionId,
              connectionId: u64(event.data),
            })),
          },
          eof: { actions: truncated('connection id') },
        },
      },
      interval: {
        meta: { read: bytes(4) },
        on: {
          read: { target: 'leechers', actions: assign({ interval: ({ event }) => u32(event.data) }) },
          eof: [
            // opentracker answers an info hash it does not track with action and transaction id only.
            {
              guard: 'atEnd',
              target: 'done',
              actions: emit(({ context }) => ({
                type: 'announce' as const,
                transactionId: context.transactionId,
                interval: null,
                leechers: null,
                seeders: null,
                peers: [],
              })),
            },
            { actions: truncated('interval') },
          ],
        },
      },
      leechers: fieldState<ResponseContext, 'leechers'>('leechers', 4, 'leechers', u32, 'seeders'),
      seeders: fieldState<ResponseContext, 'seeders'>('seeders', 4, 'seeders', u32, 'peer'),
      peer: {
        meta: { read: bytes(peerSize) },
        on: {
          read: { actions: assign({ peers: ({ context, event }) => push(context.peers, peer(event.data)) }) },
          eof: [
            {
              guard: 'atEnd',
              target: 'done',
              actions: emit(({ context }) => ({
                type: 'announce' as const,
                transactionId: context.transactionId,
                interval: context.interval,
                leechers: context.leechers,
                seeders: context.seeders,
                peers: toArray(context.peers),
              })),
            },
            { actions: ragged(`${family === 'ipv4' ? 'IPv4' : 'IPv6'} peer`, peerSize) },
          ],
        },
      },
      scrapeEntry: {
        meta: { read: bytes(Size.SCRAPE_ENTRY) },
        on: {
          read: {
            actions: assign({
              entries: ({ context, event }) =>
                push(context.entries, {
                  seeders: u32(event.data, 0),
                  completed: u32(event.data, 4),
                  leechers: u32(event.data, 8),
                }),
            }),
          },
          eof: [
            {
              guard: 'atEnd',
              target: 'done',
              actions: emit(({ context }) => ({
                type: 'scrape' as const,
                transactionId: context.transactionId,
                entries: toArray(context.entries),
              })),
            },
            { actions: ragged('scrape entry', Size.SCRAPE_ENTRY) },
          ],
        },
      },
      // No length: the message runs to the end of the datagram.
      message: {
        meta: { read: untilClose({ maxBytes: Size.DATAGRAM }) },
        on: {
          read: {
            target: 'done',
            actions: emit(({ context, event }) => ({
              type: 'error' as const,
              transactionId: context.transactionId,
              message: message(event.data),
            })),
          },
        },
      },
      done: { type: 'final' },
    },
  });
}

/**
 * Parses one response datagram that arrived over IPv4 into a
 * {@link TrackerResponse} (announce peers are 6 bytes each). Feed the whole
 * datagram, then `end()`.
 *
 * @example
 * ```ts
 * const driver = createDriver(ipv4ResponseMachine, { onOutput: (response) => settle(response) });
 * driver.feed(datagram);
 * driver.end();
 * ```
 */
export const ipv4ResponseMachine = createResponseMachine('ipv4');

/** As {@link ipv4ResponseMachine}, for a datagram that arrived over IPv6 (announce peers are 18 bytes each). */
export const ipv6ResponseMachine = createResponseMachine('ipv6');

/**
 * The response machine for datagrams of `family`.
 *
 * @example
 * ```ts
 * const machine = responseMachine(rinfo.family === 'IPv6' ? 'ipv6' : 'ipv4');
 * ```
 */
export function responseMachine(family: AddressFamily): typeof ipv4ResponseMachine {
  if (family === 'ipv4') return ipv4ResponseMachine;
  if (family === 'ipv6') return ipv6ResponseMachine;
  throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `family must be 'ipv4' or 'ipv6', got ${String(family)}`);
}
