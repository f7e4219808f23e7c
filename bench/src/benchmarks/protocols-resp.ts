/**
 * RESP replies in `pnpm bench protocols`: the example's machine
 * (`@wiremachine/examples/resp`) against `redis-parser`, the parser behind
 * the most used Redis clients, on identical bytes.
 *
 * The stream is what a busy client reads: status replies (`+OK`), integers,
 * bulk strings of a few to a few hundred bytes, null bulks, and arrays of
 * bulks (an `LRANGE`, an `HGETALL`, an `MGET` with a miss), in a fixed mix.
 * Both parsers decode bulk strings to strings; each call checks the count of
 * replies and the total length of the strings they hold against the source,
 * so a parser that skips work cannot pass for a fast one.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { createDriver } from '@wiremachine/core';
import { createRespProtocol, type RespOutput } from '@wiremachine/examples/resp';
import type { BenchCase, BenchGroup } from '../define.js';

interface RedisParser {
  execute(buffer: Buffer): void;
}
type RedisParserClass = new (options: {
  returnReply: (reply: unknown) => void;
  returnError: (error: Error) => void;
  returnBuffers?: boolean;
}) => RedisParser;
const Parser = createRequire(import.meta.url)('redis-parser') as RedisParserClass;

const REPLIES = 20_000;
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

/** A bulk string of a few to a few hundred bytes. */
const word = (i: number) =>
  `${WORDS[i % WORDS.length]}:${i}${i % 7 === 0 ? ' lorem ipsum dolor sit amet'.repeat(1 + (i % 11)) : ''}`;
const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;

/** Reply `i` of the stream, and the number of string characters it holds. */
function reply(i: number): [string, number] {
  switch (i % 8) {
    case 0:
      return ['+OK\r\n', 2];
    case 1:
      return [`:${i * 37}\r\n`, 0];
    case 2:
    case 3: {
      const s = word(i);
      return [bulk(s), s.length];
    }
    case 4:
      return ['$-1\r\n', 0];
    case 5: {
      // LRANGE: ten items.
      const items = Array.from({ length: 10 }, (_, k) => word(i + k));
      return [`*10\r\n${items.map(bulk).join('')}`, items.reduce((n, s) => n + s.length, 0)];
    }
    case 6: {
      // MGET with a miss.
      const a = word(i);
      const b = word(i + 3);
      return [`*3\r\n${bulk(a)}$-1\r\n${bulk(b)}`, a.length + b.length];
    }
    default: {
      // HGETALL as RESP2: field, value, field, value.
      const items = ['name', word(i), 'visits', String(i), 'city', WORDS[i % 5]];
      return [`*6\r\n${items.map(bulk).join('')}`, items.reduce((n, s) => n + s.length, 0)];
    }
  }
}

const parts = Array.from({ length: REPLIES }, (_, i) => reply(i));
const stream = Buffer.from(parts.map((p) => p[0]).join(''), 'utf8');
const EXPECTED_CHARS = parts.reduce((n, p) => n + p[1], 0);

const pieces = (size: number) =>
  Array.from({ length: Math.ceil(stream.length / size) }, (_, i) => stream.subarray(i * size, (i + 1) * size));

interface Tally {
  replies: number;
  chars: number;
}

function countValue(t: Tally, v: unknown) {
  if (typeof v === 'string') t.chars += v.length;
  else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) if (typeof v[i] === 'string') t.chars += v[i].length;
}

function check(name: string, t: Tally) {
  if (t.replies !== REPLIES || t.chars !== EXPECTED_CHARS)
    throw new Error(`${name}: ${t.replies} replies, ${t.chars} chars; expected ${REPLIES}, ${EXPECTED_CHARS}`);
}

function oursCase(chunks: readonly Buffer[]): BenchCase {
  return {
    name: 'wiremachine',
    ops: REPLIES,
    prepare() {
      const t: Tally = { replies: 0, chars: 0 };
      const driver = createDriver(createRespProtocol(), {
        onOutput: (o: RespOutput) => {
          t.replies++;
          countValue(t, o.value);
        },
      });
      return () => {
        t.replies = t.chars = 0;
        for (let i = 0; i < chunks.length; i++) driver.feed(chunks[i]);
        check('wiremachine', t);
        return t;
      };
    },
  };
}

function peerCase(chunks: readonly Buffer[]): BenchCase {
  return {
    name: 'redis-parser',
    ops: REPLIES,
    prepare() {
      const t: Tally = { replies: 0, chars: 0 };
      const parser = new Parser({
        returnReply: (v) => {
          t.replies++;
          countValue(t, v);
        },
        returnError: (e) => {
          throw e;
        },
      });
      return () => {
        t.replies = t.chars = 0;
        for (let i = 0; i < chunks.length; i++) parser.execute(chunks[i]);
        check('redis-parser', t);
        return t;
      };
    },
  };
}

/** Group names, for targets. */
export const RESP_GROUPS = ['resp 64 KiB', 'resp 1460 B'] as const;

/** The two groups: 64 KiB pieces and 1,460-byte pieces (one TCP segment). */
export const respGroups: BenchGroup[] = [
  [RESP_GROUPS[0], 64 * 1024],
  [RESP_GROUPS[1], 1460],
].map(([name, size]) => {
  const chunks = pieces(size as number);
  return {
    name: name as string,
    unit: 'ns/reply',
    baseline: 'redis-parser',
    cases: [peerCase(chunks), oursCase(chunks)],
  };
});
