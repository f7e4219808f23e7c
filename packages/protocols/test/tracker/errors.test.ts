import { ErrorCode, WiremachineError } from '@wiremachine/core';
import { runChunks } from '@wiremachine/core/testing';
import { describe, expect, test } from 'vitest';
import {
  ipv4ResponseMachine,
  ipv6ResponseMachine,
  isTrackerError,
  parseRequest,
  requestMachine,
  responseMachine,
  serializeOptions,
  serializeRequest,
  serializeResponse,
  TrackerErrorCode,
} from '../../src/tracker/index.js';
import { cat } from './bytes.js';

const announce = {
  type: 'announce' as const,
  connectionId: 1n,
  transactionId: 2,
  infoHash: new Uint8Array(20),
  peerId: new Uint8Array(20),
  downloaded: 0n,
  left: 0n,
  uploaded: 0n,
  event: 'none' as const,
  ip: null,
  key: 0,
  numWant: -1,
  port: 6881,
};

/** A packet's fixed fields, [offset, state] as BEP 15 lays them out, and where the fixed part ends. */
const layouts = [
  {
    name: 'connect request',
    machine: requestMachine,
    packet: serializeRequest({ type: 'connect', transactionId: 9 }),
    fields: [
      [0, 'connectionId'],
      [8, 'action'],
      [12, 'transactionId'],
    ] as const,
  },
  {
    name: 'announce request',
    machine: requestMachine,
    packet: serializeRequest(announce),
    fields: [
      [0, 'connectionId'],
      [8, 'action'],
      [12, 'transactionId'],
      [16, 'infoHash'],
      [36, 'peerId'],
      [56, 'downloaded'],
      [64, 'left'],
      [72, 'uploaded'],
      [80, 'event'],
      [84, 'ip'],
      [88, 'key'],
      [92, 'numWant'],
      [96, 'port'],
    ] as const,
  },
  {
    name: 'scrape request',
    machine: requestMachine,
    packet: serializeRequest({ type: 'scrape', connectionId: 1n, transactionId: 2, infoHashes: [new Uint8Array(20)] }),
    fields: [
      [0, 'connectionId'],
      [8, 'action'],
      [12, 'transactionId'],
    ] as const,
    // Then the list of info hashes: a short one is a size error (below).
    fixed: 16,
  },
  {
    name: 'connect response',
    machine: ipv4ResponseMachine,
    packet: serializeResponse({ type: 'connect', transactionId: 9, connectionId: 5n }, { family: 'ipv4' }),
    fields: [
      [0, 'action'],
      [4, 'transactionId'],
      [8, 'connectionId'],
    ] as const,
  },
  {
    name: 'announce response',
    machine: ipv6ResponseMachine,
    packet: serializeResponse(
      { type: 'announce', transactionId: 9, interval: 60, leechers: 1, seeders: 2, peers: [] },
      { family: 'ipv6' },
    ),
    // 8 bytes is a whole packet too (opentracker's short reply).
    fields: [
      [0, 'action'],
      [4, 'transactionId'],
      [8, 'interval'],
      [12, 'leechers'],
      [16, 'seeders'],
    ] as const,
    alsoEndsAt: 8,
  },
  {
    name: 'scrape response',
    machine: ipv4ResponseMachine,
    packet: serializeResponse({ type: 'scrape', transactionId: 9, entries: [] }, { family: 'ipv4' }),
    fields: [
      [0, 'action'],
      [4, 'transactionId'],
    ] as const,
  },
  {
    name: 'error response',
    machine: ipv4ResponseMachine,
    packet: serializeResponse({ type: 'error', transactionId: 9, message: '' }, { family: 'ipv4' }),
    fields: [
      [0, 'action'],
      [4, 'transactionId'],
    ] as const,
  },
];

describe.each(layouts)('$name cut short', ({ machine, packet, fields, alsoEndsAt, fixed = packet.length }) => {
  test('ending inside any field is TRUNCATED, at the offset of that field', () => {
    for (let length = 0; length < fixed; length++) {
      const o = runChunks(machine, [packet.subarray(0, length)]);
      if (length === alsoEndsAt) {
        expect(o.error, `${length} bytes`).toBeNull();
        continue;
      }
      const [offset, state] = fields.filter(([at]) => at <= length).at(-1) as readonly [number, string];
      expect(o.outputs, `${length} bytes`).toEqual([]);
      expect(o.error, `${length} bytes`).toEqual({ code: TrackerErrorCode.TRUNCATED, offset, state });
    }
  });
});

test('a truncated packet names the field and how much of it came', () => {
  const packet = serializeRequest(announce).subarray(0, 90);
  expect(() => parseRequest(packet)).toThrow(/datagram ended inside the key \(2 of its bytes present\)/);
});

describe('sizes of lists', () => {
  const header = cat('00000000000000ff 00000002 00000001');
  test.each([1, 19, 21, 39])('scrape request with %i bytes of info hashes is BAD_SIZE', (n) => {
    const o = runChunks(requestMachine, [cat(header, new Uint8Array(n))]);
    expect(o.error).toEqual({
      code: TrackerErrorCode.BAD_SIZE,
      offset: 16 + 20 * Math.floor(n / 20),
      state: 'scrapeHash',
    });
  });
  test.each([
    ['ipv4', 6],
    ['ipv6', 18],
  ] as const)('%s peer lists must be a multiple of %i bytes', (family, size) => {
    const head = cat('00000001 00000001 0000003c 00000000 00000000');
    for (let n = 0; n <= 3 * size; n++) {
      const o = runChunks(responseMachine(family), [cat(head, new Uint8Array(n))]);
      const whole = n % size === 0;
      expect(o.error, `${n} bytes of peers`).toEqual(
        whole ? null : { code: TrackerErrorCode.BAD_SIZE, offset: 20 + size * Math.floor(n / size), state: 'peer' },
      );
      if (whole) expect((o.outputs[0] as { peers: unknown[] }).peers).toHaveLength(n / size);
    }
  });
});

describe('isTrackerError', () => {
  test('is true for the machines’ errors only', () => {
    let thrown: unknown;
    try {
      parseRequest(cat('00'));
    } catch (e) {
      thrown = e;
    }
    expect(isTrackerError(thrown)).toBe(true);
    expect(isTrackerError(new WiremachineError(ErrorCode.INVALID_ARGUMENT, 'x'))).toBe(false);
    expect(isTrackerError(new Error(TrackerErrorCode.TRUNCATED))).toBe(false);
    expect(isTrackerError(null)).toBe(false);
  });
});

describe('serializers refuse values the wire cannot carry', () => {
  const invalid = (f: () => unknown) =>
    expect(f).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
  test('requests', () => {
    invalid(() => serializeRequest({ type: 'connect', transactionId: 2 ** 32 }));
    invalid(() => serializeRequest({ type: 'connect', transactionId: -1 }));
    invalid(() => serializeRequest({ ...announce, port: 65536 }));
    invalid(() => serializeRequest({ ...announce, numWant: 2 ** 31 }));
    invalid(() => serializeRequest({ ...announce, infoHash: new Uint8Array(19) }));
    invalid(() => serializeRequest({ ...announce, left: -1n }));
    invalid(() => serializeRequest({ ...announce, uploaded: 2n ** 64n }));
    invalid(() => serializeRequest({ ...announce, event: 'paused' as 'none' }));
    invalid(() => serializeRequest({ ...announce, ip: '1.2.3' }));
    invalid(() => serializeRequest({ ...announce, urlData: '/\u0100' }));
    invalid(() => serializeRequest({ ...announce, urlData: '/a', options: [] }));
    invalid(() => serializeRequest({ type: 'scrape', connectionId: 1n, transactionId: 2, infoHashes: [] }));
    invalid(() => serializeRequest({ type: 'ping' } as never));
  });
  test('options', () => {
    invalid(() => serializeOptions([{ type: 'end' }, { type: 'nop' }]));
    invalid(() => serializeOptions([{ type: 'urlData', data: new Uint8Array(256) }]));
    invalid(() => serializeOptions([{ type: 'unknown', code: 2, data: new Uint8Array(0) }]));
    invalid(() => serializeOptions([{ type: 'unknown', code: 256, data: new Uint8Array(0) }]));
  });
  test('responses', () => {
    const bare = {
      type: 'announce' as const,
      transactionId: 1,
      interval: null,
      leechers: null,
      seeders: null,
      peers: [],
    };
    invalid(() => serializeResponse({ ...bare, peers: [{ ip: '1.2.3.4', port: 1 }] }, { family: 'ipv4' }));
    invalid(() => serializeResponse({ ...bare, interval: 5 }, { family: 'ipv4' }));
    const full = { ...bare, interval: 5, leechers: 0, seeders: 0 };
    invalid(() => serializeResponse({ ...full, peers: [{ ip: '::1', port: 1 }] }, { family: 'ipv4' }));
    invalid(() => serializeResponse({ ...full, peers: [{ ip: '1.2.3.4', port: 1 }] }, { family: 'ipv6' }));
    invalid(() => serializeResponse({ ...full, peers: [{ ip: '::1', port: 70000 }] }, { family: 'ipv6' }));
    invalid(() => serializeResponse({ ...full }, { family: 'IPv4' as 'ipv4' }));
    invalid(() => responseMachine('inet' as 'ipv4'));
  });
});

test('the URL data of a long URL is split into options of at most 255 bytes', () => {
  const url = `/announce?${'k'.repeat(600)}`;
  const request = parseRequest(serializeRequest({ ...announce, urlData: url }));
  expect(request.type === 'announce' && request.urlData).toBe(url);
  expect(request.type === 'announce' && request.options.map((o) => o.type === 'urlData' && o.data.length)).toEqual([
    255, 255, 100,
  ]);
});
