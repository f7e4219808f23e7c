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
