/**
 * The strings of heads found in one chunk are slices of text decoded once for
 * several of them (TextWindow, fields.ts). Whatever order the strings are asked
 * for in, and whenever, each head's strings are its own.
 */
import { createDriver } from '@wiremachine/core';
import {
  createRequestMachine,
  createResponseMachine,
  type Http1Output,
  type MessageHead,
} from '@wiremachine/protocols/http1';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fields, TEXT_WINDOW, TextWindow } from '../../src/http1/fields.js';
import { bytes } from './collect.js';

interface Expected {
  first: string;
  second: string | null;
  raw: string[];
}

/** A request of `n` fields whose strings all name it (`i`), `pad` bytes of padding in one value. */
function request(i: number, n: number, pad: number): { text: string; expected: Expected } {
  const url = `/item/${i}?q=${'u'.repeat(i % 7)}`;
  const raw: string[] = ['Host', `host-${i}.example`];
  for (let k = 1; k < n; k++)
    raw.push(k % 2 === 0 ? `X-Field-${k}` : 'Accept', `v${i}-${k}${k === 1 ? 'p'.repeat(pad) : ''}`);
  let text = `GET ${url} HTTP/1.1\r\n`;
  for (let k = 0; k < raw.length; k += 2) text += `${raw[k]}: ${raw[k + 1]}\r\n`;
  return { text: `${text}\r\n`, expected: { first: 'GET', second: url, raw } };
}

function response(i: number, n: number, pad: number): { text: string; expected: Expected } {
  const reason = `Reason ${i}${'r'.repeat(i % 5)}`;
  const raw: string[] = ['Content-Length', '0'];
  for (let k = 1; k < n; k++) raw.push(`X-R${k}`, `w${i}-${k}${k === 1 ? 'p'.repeat(pad) : ''}`);
  let text = `HTTP/1.1 200 ${reason}\r\n`;
  for (let k = 0; k < raw.length; k += 2) text += `${raw[k]}: ${raw[k + 1]}\r\n`;
  return { text: `${text}\r\n`, expected: { first: '200', second: reason, raw } };
}

function strings(h: MessageHead): Expected {
  if (h.kind === 'request') return { first: h.method, second: h.url, raw: h.rawHeaders };
  return { first: String(h.status), second: h.reason, raw: h.rawHeaders };
}

/** Pieces of `input` of `size` bytes (each a Buffer of its own, as a socket gives them). */
function pieces(input: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < input.length; i += size) out.push(Buffer.from(input.subarray(i, i + size)));
  return out;
}

describe('strings of heads that share decoded text', () => {
  const order = fc.constantFrom('during', 'after', 'reverse', 'shuffled', 'half');
  it('are each head own, whatever order and time they are asked for in', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.record({ n: fc.integer({ min: 1, max: 24 }), pad: fc.integer({ min: 0, max: 5000 }) }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.constantFrom(7, 300, 1460, 4096, 65536, 1 << 20),
        order,
        fc.integer({ min: 0, max: 1000 }),
        (isRequest, shapes, size, when, seed) => {
          const made = shapes.map((s, i) => (isRequest ? request(i, s.n, s.pad) : response(i, s.n, s.pad)));
          const input = bytes(made.map((m) => m.text).join(''));
          const heads: MessageHead[] = [];
          const got: (Expected | undefined)[] = [];
          const driver = createDriver(isRequest ? createRequestMachine() : createResponseMachine(), {
            onOutput: (o: Http1Output) => {
              if (o.type !== 'head') return;
              if (when === 'during' || (when === 'half' && heads.length % 2 === 0)) got[heads.length] = strings(o);
              heads.push(o);
            },
          });
          const chunks = pieces(input, size);
          for (let c = 0; c < chunks.length; c++) {
            driver.feed(chunks[c]);
            // Half way through the input, the heads so far are asked for theirs in reverse.
            if (when === 'half' && c === chunks.length >> 1) {
              for (let k = heads.length - 1; k >= 0; k--) got[k] ??= strings(heads[k]);
            }
          }
          expect(driver.status).toBe('running');
          expect(heads.length).toBe(made.length);
          const rest = heads.map((_, k) => k);
          if (when === 'reverse') rest.reverse();
          if (when === 'shuffled') {
            let r = seed;
            for (let k = rest.length - 1; k > 0; k--) {
              r = (r * 1103515245 + 12345) & 0x7fffffff;
              const j = r % (k + 1);
              [rest[k], rest[j]] = [rest[j], rest[k]];
            }
          }
          for (const k of rest) got[k] ??= strings(heads[k]);
          expect(got).toEqual(made.map((m) => m.expected));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('heads larger than the window, and heads that end past its end, in one chunk', () => {
    const made = [
      request(0, 3, 10),
      request(1, 3, TEXT_WINDOW + 100),
      request(2, 3, 10),
      request(3, 3, TEXT_WINDOW - 200),
      request(4, 5, 100),
      request(5, 2, 1),
    ];
    const heads: MessageHead[] = [];
    const driver = createDriver(createRequestMachine(), {
      onOutput: (o) => {
        if (o.type === 'head') heads.push(o);
      },
    });
    driver.feed(Buffer.from(bytes(made.map((m) => m.text).join(''))));
    expect(heads.map(strings)).toEqual(made.map((m) => m.expected));
  });
});

describe('TextWindow', () => {
  const chunk = Buffer.from('0123456789abcdef', 'latin1');

  it('takes a new epoch for another buffer, or the same buffer at another stream offset (a buffer reused for reads)', () => {
    const w = new TextWindow();
    const e1 = w.see(chunk, 100, chunk.length);
    expect(w.see(chunk, 100, chunk.length)).toBe(e1);
    const e2 = w.see(chunk, 116, chunk.length);
    expect(e2).not.toBe(e1);
    expect(w.see(Buffer.from(chunk), 116, chunk.length)).not.toBe(e2);
  });

  it('decodes from the asked start up to the window or the bytes that arrived, and keeps text that holds a later range', () => {
    const w = new TextWindow();
    w.see(chunk, 0, 10);
    expect(w.cover(2, 4)).toBe('23456789');
    expect(w.textStart).toBe(2);
    const before = w.text;
    expect(w.cover(5, 9)).toBe(before);
    // A range before the text: decoded again from there.
    expect(w.cover(0, 3)).toBe('0123456789');
    expect(w.textStart).toBe(0);
  });

  it('a head of an older epoch makes its own text', () => {
    const w = new TextWindow();
    const buf = bytes('Host: a\r\n\r\n');
    const epoch = w.see(buf, 0, buf.length);
    const offs = Int32Array.from([0, 4, 6, 7, -1]);
    const stale = new Fields(buf, 0, buf.length, offs, 0, 1, false, w, epoch);
    const other = bytes('Host: b\r\n\r\n');
    w.see(other, 11, other.length);
    w.cover(0, other.length);
    expect(stale.value(0)).toBe('a');
    expect(new Fields(other, 0, other.length, offs, 0, 1, false, w, w.epoch).value(0)).toBe('b');
  });

  it('lets go of its chunk once the stream has passed it, not before', () => {
    const w = new TextWindow();
    const e = w.see(chunk, 100, chunk.length);
    w.release(115);
    expect(w.epoch).toBe(e);
    w.release(116);
    expect(w.epoch).not.toBe(e);
    expect(w.text).toBe(null);
  });
});
