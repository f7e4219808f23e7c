import { createDriver } from '@wiremachine/core';
import {
  checkLaw,
  chunkInvariance,
  executorsAgree,
  mutated,
  roundTrip,
  typedRejection,
} from '@wiremachine/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRespClient, createRespProtocol, RespError, type RespValue } from '../src/resp/index.js';
import { hasRedis, startRedis } from './resp-server.js';

const utf8 = new TextEncoder();

/** A reply in RESP3, for the parser's laws. */
function encodeReply(v: RespValue): string {
  if (v === null) return '_\r\n';
  if (typeof v === 'string') return `$${utf8.encode(v).length}\r\n${v}\r\n`;
  if (typeof v === 'number') return `:${v}\r\n`;
  if (typeof v === 'boolean') return `#${v ? 't' : 'f'}\r\n`;
  if (v instanceof RespError) return `-${v.message}\r\n`;
  if (Array.isArray(v)) return `*${v.length}\r\n${v.map(encodeReply).join('')}`;
  if (v instanceof Map) return `%${v.size}\r\n${[...v].map(([k, x]) => encodeReply(k) + encodeReply(x)).join('')}`;
  throw new Error(`no encoding for ${String(v)}`);
}
const bytes = (s: string) => utf8.encode(s);

const leaf: fc.Arbitrary<RespValue> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.stringMatching(/^ERR [a-z ]{0,10}$/).map((m) => new RespError(m)),
);
const { value } = fc.letrec<{ value: RespValue }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 4 })),
}));
const replies = fc.array(value, { maxLength: 4 });
const resp = createRespProtocol({ maxDepth: 8 });
const stream = replies.map((vs) => bytes(vs.map(encodeReply).join('')));
const params = { seed: 6379, numRuns: 150 };
// Errors compare by message: the law compares canonical text.
const plain = (o: unknown): unknown =>
  o instanceof RespError
    ? { error: o.message }
    : Array.isArray(o)
      ? o.map(plain)
      : o && typeof o === 'object'
        ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, plain(v)]))
        : o;

describe('the RESP parser', () => {
  test('laws: round trip, chunk invariance, executors agree, typed rejection', () => {
    checkLaw(
      roundTrip(resp, replies, (vs) => bytes(vs.map(encodeReply).join('')), {
        expected: (vs) => vs.map((v) => plain({ type: 'reply', value: v })),
        normalize: (outs) => outs.map(plain),
      }),
      params,
    );
    checkLaw(chunkInvariance(resp, fc.oneof(stream, mutated(stream)), { normalize: (o) => o.map(plain) }), params);
    checkLaw(executorsAgree(resp, fc.oneof(stream, mutated(stream)), { normalize: (o) => o.map(plain) }), {
      ...params,
      numRuns: 60,
    });
    checkLaw(typedRejection(resp, fc.oneof(mutated(stream), fc.uint8Array({ maxLength: 100 }))), params);
  });
});

describe('a bulk value read with its line or after it', () => {
  // Found whole in one chunk, a bulk line and its value are one read; cut, they are two: alike either way.
  function run(input: string, size: number) {
    const outputs: unknown[] = [];
    let error: unknown = null;
    const d = createDriver(createRespProtocol({ maxLineBytes: 16 }), {
      onOutput: (o) => outputs.push(plain(o)),
      onError: (e: any) => {
        error = { code: e.code, offset: e.offset, state: e.state };
      },
    });
    const b = bytes(input);
    for (let i = 0; i < b.length; i += size) d.feed(b.subarray(i, i + size));
    d.end();
    return { outputs, error };
  }
  test.each([
    ['values', '$3\r\nabc\r\n*2\r\n$0\r\n\r\n!5\r\nERR x\r\n=7\r\ntxt:abc\r\n$-1\r\n'],
    ['a value longer than a line may be', '$20\r\n01234567890123456789\r\n'],
    ['a value without its CRLF', '$3\r\nabc\r\n$3\r\nabcX\r\n'],
    ['a CR without LF in a bulk line', '$3\r\nabc\r\n$3\rX\r\nabc\r\n'],
    ['a length over the limit', '$3\r\nabc\r\n$99999999999\r\n'],
  ])('%s: the same outputs and errors at every slicing', (_, input) => {
    const whole = run(input, input.length);
    for (let size = 1; size < input.length; size++) expect(run(input, size)).toEqual(whole);
  });
  test("the errors are the value's own, at its offset", () => {
    expect(run('$3\r\nabc\r\n$3\r\nabcX\r\n', 64).error).toEqual({
      code: 'RESP_BAD_TRAILER',
      offset: 13,
      state: 'bulk',
    });
    expect(run('$3\r\nabc\r\n$3\rX\r\n', 64).error).toMatchObject({ code: 'RESP_BAD_LENGTH', offset: 9 });
  });
});

describe.skipIf(!hasRedis)('against a real redis-server', () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => server?.stop());

  test('strings, integers, nulls, errors and nested arrays (RESP2)', async () => {
    const redis = await createRespClient({ port: server.port });
    expect(await redis.command('PING')).toBe('PONG');
    expect(await redis.command('SET', 'greeting', 'héllo')).toBe('OK');
    expect(await redis.command('GET', 'greeting')).toBe('héllo');
    expect(await redis.command('GET', 'missing')).toBe(null);
    expect(await redis.command('INCRBY', 'n', 41)).toBe(41);
    await expect(redis.command('LPUSH', 'greeting', 'x')).rejects.toMatchObject({ kind: 'WRONGTYPE' });
    expect(await redis.command('EVAL', "return {1,{2,{3,'x'}},'y'}", 0)).toEqual([1, [2, [3, 'x']], 'y']);
    expect(await redis.command('PING')).toBe('PONG'); // the connection survived the error reply
    await redis.close();
  });

  test('bulk strings of several MiB, as bytes', async () => {
    const redis = await createRespClient({ port: server.port, bytes: true });
    const big = new Uint8Array(5 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
    expect(await redis.command('SET', 'big', big)).toBe('OK');
    const back = (await redis.command('GET', 'big')) as Uint8Array;
    expect(back.length).toBe(big.length);
    expect(Buffer.compare(Buffer.from(back), Buffer.from(big))).toBe(0);
    await redis.close();
  });

  test('pipelining: 1,000 commands in flight answer in order', async () => {
    const redis = await createRespClient({ port: server.port });
    await redis.command('DEL', 'counter');
    const replies = await Promise.all(Array.from({ length: 1000 }, () => redis.command('INCR', 'counter')));
    expect(replies).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    await redis.close();
  });

  test('RESP3 after HELLO 3: maps, doubles, nulls', async () => {
    const redis = await createRespClient({ port: server.port });
    const hello = (await redis.command('HELLO', 3)) as Map<RespValue, RespValue>;
    expect(hello).toBeInstanceOf(Map);
    expect(hello.get('proto')).toBe(3);
    await redis.command('DEL', 'h', 'z');
    await redis.command('HSET', 'h', 'a', '1', 'b', '2');
    expect(await redis.command('HGETALL', 'h')).toEqual(
      new Map([
        ['a', '1'],
        ['b', '2'],
      ]),
    );
    await redis.command('ZADD', 'z', '1.5', 'm');
    expect(await redis.command('ZSCORE', 'z', 'm')).toBe(1.5);
    expect(await redis.command('GET', 'missing')).toBe(null);
    await redis.close();
  });
});
