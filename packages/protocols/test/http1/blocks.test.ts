/**
 * The offsets of field lines live in blocks that several heads share, carved
 * out of buffers that all parsers share (scan.ts). A head keeps its range
 * whatever is parsed after it, by its parser or by others.
 */
import { createDriver } from '@wiremachine/core';
import { createRequestMachine, type MessageHead } from '@wiremachine/protocols/http1';
import { expect, it } from 'vitest';
import { bytes } from './collect.js';

function head(parser: number, i: number, n: number): { text: string; raw: string[] } {
  const raw: string[] = [];
  for (let k = 0; k < n; k++) raw.push(`X-P${parser}-${k}`, `${parser}.${i}.${k}`);
  let text = `GET /${parser}/${i} HTTP/1.1\r\n`;
  for (let k = 0; k < raw.length; k += 2) text += `${raw[k]}: ${raw[k + 1]}\r\n`;
  return { text: `${text}\r\n`, raw };
}

it('heads of parsers fed in turns keep their own field lines, across many blocks and shared buffers', () => {
  const parsers = [0, 1, 2].map(() => {
    const heads: MessageHead[] = [];
    const driver = createDriver(createRequestMachine(), {
      onOutput: (o) => {
        if (o.type === 'head') heads.push(o);
      },
    });
    return { heads, driver, expected: [] as { url: string; raw: string[] }[] };
  });
  // Enough lines to fill many 8 KiB blocks (2,048 numbers, five a line) and several 64 KiB buffers.
  for (let i = 0; i < 400; i++) {
    for (let p = 0; p < parsers.length; p++) {
      const n = 1 + ((i * 7 + p * 13) % 60);
      const h = head(p, i, n);
      parsers[p].expected.push({ url: `/${p}/${i}`, raw: h.raw });
      parsers[p].driver.feed(bytes(h.text));
    }
  }
  for (const p of parsers) {
    expect(p.driver.status).toBe('running');
    expect(p.heads.map((h) => ({ url: h.kind === 'request' ? h.url : '', raw: h.rawHeaders }))).toEqual(p.expected);
  }
});

/** `text` in an ArrayBuffer of its own, as a socket hands over each read. */
function ownRead(text: string): Uint8Array {
  return new Uint8Array(bytes(text));
}

/** The sizes (in numbers) of the offset blocks of the heads one parser makes of `reads`, fed one by one. */
function blockSizes(reads: Uint8Array[]): number[] {
  const sizes: number[] = [];
  const driver = createDriver(createRequestMachine(), {
    onOutput: (o) => {
      if (o.type === 'head') sizes.push(o.fields.offs.length);
    },
  });
  for (const r of reads) driver.feed(r);
  expect(driver.status).toBe('running');
  return sizes;
}

// Eight field lines, long enough (over 128 bytes) for the head to be scanned by words.
const HEAD8 = head(0, 0, 8).text;

it('a connection sending a request a read takes small offset blocks (what it keeps while idle), a pipelined burst large ones', () => {
  expect(HEAD8.length).toBeGreaterThan(128);
  // 200 requests of 8 lines (five numbers a line) fill many blocks of 32 lines: each filled over several reads.
  const oneByOne = blockSizes(Array.from({ length: 200 }, () => ownRead(HEAD8)));
  expect(oneByOne).toHaveLength(200);
  expect(new Set(oneByOne)).toEqual(new Set([32 * 5]));
  // The same requests in one read: once a block fills from that read, the next is a large one.
  const burst = blockSizes([ownRead(HEAD8.repeat(200))]);
  expect(burst).toHaveLength(200);
  expect(Math.max(...burst)).toBe(2048);
  // After the burst, requests a read again: back to small blocks once the large one is full.
  const after = blockSizes([ownRead(HEAD8.repeat(200)), ...Array.from({ length: 200 }, () => ownRead(HEAD8))]);
  expect(after.slice(-50).every((n) => n === 32 * 5)).toBe(true);
});
