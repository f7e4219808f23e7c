/**
 * Stream offsets pass 2^31 on a long stream. The objects that hold them keep
 * their shape when that happens: a field that held small integers until then
 * would change representation, which changes the shape of every object of its
 * class and throws away the optimized code of every function that reads one,
 * for every stream in the process at once.
 */
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { ByteQueue, bytes, createDriver, protocolTypes } from '../src/index.js';

setFlagsFromString('--allow-natives-syntax');
/** Whether `a` and `b` have the same hidden class (V8's map). */
const sameShape = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

const MIB = 1 << 20;
const ONE = new Uint8Array([1]);
/** Enough MiB to pass 2^31 bytes. */
const PAST = 2 ** 31 / MIB + 2;

describe('objects that hold stream offsets keep their shape past 2^31 bytes', () => {
  it('the byte queue', () => {
    const fresh = new ByteQueue();
    const long = new ByteQueue();
    const chunk = new Uint8Array(MIB);
    for (let i = 0; i < PAST; i++) {
      long.push(chunk);
      long.indexOf(ONE, 0, MIB); // a search, which counts the bytes it examined
      long.skip(MIB);
    }
    expect(long.consumed).toBeGreaterThan(2 ** 31);
    expect(long.examined).toBeGreaterThan(2 ** 31);
    expect(sameShape(fresh, long)).toBe(true);
  });

  it('the driver and its executor', () => {
    const machine = setup({ types: protocolTypes<Record<string, never>, { type: 'none' }>() }).createMachine({
      context: {},
      initial: 'skip',
      states: { skip: { meta: { read: bytes(MIB) }, on: { read: {} } } },
    });
    const fresh = createDriver(machine);
    const long = createDriver(machine);
    const chunk = new Uint8Array(MIB);
    for (let i = 0; i < PAST; i++) long.feed(chunk);
    expect(long.offset).toBeGreaterThan(2 ** 31);
    const exec = (d: object) => (d as unknown as { exec: object }).exec;
    expect(sameShape(exec(fresh), exec(long))).toBe(true);
    expect(sameShape(fresh, long)).toBe(true);
  });
});
