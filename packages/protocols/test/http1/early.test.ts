/**
 * A bad head that never ends is refused as soon as its bytes show the fault:
 * at the latest once four times the fault's offset is buffered, or, for bytes
 * trickled a few at a time, once 1 KiB is; not at the size limit or the end of
 * input. A peer that sends garbage does not hold a parser for the whole
 * header timeout.
 */

/** When a fault at `at` must have been found, for bytes fed `size` at a time. */
const bound = (at: number, size: number) => (size < 4 ? Math.max(1024, 4 * (at + 1)) : 4 * (at + 1)) + size;

import { createDriver, type WiremachineError } from '@wiremachine/core';
import {
  createRequestMachine,
  createResponseMachine,
  Http1ErrorCode as E,
  type Http1Error,
  type Http1Machine,
  toHttp1Error,
} from '@wiremachine/protocols/http1';
import { describe, expect, it } from 'vitest';
import { bytes } from './collect.js';

interface Trickle {
  error: Http1Error | null;
  /** Bytes fed when the error was reported. */
  fed: number;
}

/**
 * Feed `head` in `size`-byte pieces, then filler field lines (never an empty
 * line) up to `limit` bytes in all. The error is the one a server sees (toHttp1Error).
 */
function trickle(machine: Http1Machine, head: Uint8Array, size: number, limit: number): Trickle {
  let error: WiremachineError | null = null;
  const driver = createDriver(machine, { onError: (e) => (error = e) });
  const filler = bytes('X-Filler: abcdefgh\r\n');
  let fed = 0;
  const feed = (b: Uint8Array) => {
    for (let i = 0; i < b.length && error === null; i += size) {
      const piece = b.subarray(i, i + size);
      driver.feed(piece);
      fed += piece.length;
    }
  };
  feed(head);
  while (error === null && fed < limit) feed(filler);
  return { error: error === null ? null : toHttp1Error(error), fed };
}

const LIMIT = 64 * 1024;

describe('early rejection of a head that never ends', () => {
  it('TLS sent to a plain HTTP port: refused on the first arrival', () => {
    // The first bytes of a TLS ClientHello record.
    const hello = Uint8Array.of(0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03);
    const t = trickle(createRequestMachine(), hello, hello.length, LIMIT);
    expect(t.error?.code).toBe(E.INVALID_METHOD);
    expect(t.error?.offset).toBe(0);
    expect(t.fed).toBe(hello.length);
  });

  it.each([1, 7, 64])('a NUL in a field value, in %i-byte pieces: refused early', (size) => {
    const head = bytes('GET / HTTP/1.1\r\nHost: example.com\r\nX-Bad: a\0b\r\n');
    const at = head.indexOf(0);
    const t = trickle(createRequestMachine(), head, size, LIMIT);
    expect(t.error?.code).toBe(E.INVALID_HEADER_TOKEN);
    expect(t.error?.offset).toBe(at);
    expect(t.error?.state).toBe('head');
    expect(t.fed).toBeLessThanOrEqual(bound(at, size));
  });

  it('a bad method: refused within four times its offset, or 1 KiB when trickled a byte at a time', () => {
    for (const size of [1, 4]) {
      const t = trickle(createRequestMachine(), bytes('G@T / HTTP/1.1\r\n'), size, LIMIT);
      expect(t.error?.code).toBe(E.INVALID_METHOD);
      expect(t.error?.offset).toBe(1);
      expect(t.fed).toBeLessThanOrEqual(bound(1, size));
    }
  });

  it('obs-fold and a bare LF are refused early too', () => {
    const fold = trickle(createRequestMachine(), bytes('GET / HTTP/1.1\r\nA: b\r\n  c\r\n'), 1, LIMIT);
    expect(fold.error?.code).toBe(E.OBS_FOLD);
    expect(fold.fed).toBeLessThanOrEqual(bound(fold.error?.offset ?? 0, 1));
    const lf = trickle(createRequestMachine(), bytes('GET / HTTP/1.1\nHost: a\r\n'), 5, LIMIT);
    expect(lf.error?.code).toBe(E.BARE_LF);
    expect(lf.fed).toBeLessThanOrEqual(bound(14, 5));
  });

  it('a response with a malformed status code: refused early', () => {
    const t = trickle(createResponseMachine(), bytes('HTTP/1.1 2x0 OK\r\n'), 4, LIMIT);
    expect(t.error?.code).toBe(E.INVALID_STATUS);
    expect(t.error?.offset).toBe(9);
    expect(t.fed).toBeLessThanOrEqual(bound(9, 4));
  });

  it('a valid head that never ends is refused only at the head limit (431), however it arrives', () => {
    for (const size of [1, 5, 1000]) {
      const machine = createRequestMachine({ maxHeadSize: 4096, maxHeaders: 1000 });
      const t = trickle(machine, bytes('GET / HTTP/1.1\r\n'), size, LIMIT);
      expect(t.error?.code).toBe(E.HEADERS_OVERFLOW);
      expect(t.error?.status).toBe(431);
      expect(t.fed).toBeGreaterThanOrEqual(4096);
    }
  });

  it('too many field lines are refused before the head ends', () => {
    const t = trickle(createRequestMachine({ maxHeaders: 50 }), bytes('GET / HTTP/1.1\r\n'), 9, LIMIT);
    expect(t.error?.code).toBe(E.HEADERS_TOO_MANY);
    expect(t.error?.status).toBe(431);
    // The 51st line starts at 16 + 50 * 20 bytes: found by the scan at four times that.
    expect(t.fed).toBeLessThanOrEqual(bound(16 + 50 * 20, 9));
  });
});
