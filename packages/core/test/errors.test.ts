/**
 * Error identity, codes and positions.
 *
 * The cross-copy tests load errors.ts twice. In-process they use vitest's
 * module graph on the sources (no build needed); the child-process test runs
 * plain Node on the built `dist/errors.js`, so it needs `tsc -b` first (the
 * root `pnpm test` script builds before it runs vitest).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import * as errors from '../src/errors.js';

const { ErrorCode, isWiremachineError, MaxBytesError, ProtocolError, StreamClosedError, WiremachineError } = errors;
type Module = typeof errors;
const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** One instance of every class a module exports. */
function samples(m: Module) {
  return {
    WiremachineError: new m.WiremachineError(m.ErrorCode.INVALID_STATE, 'state'),
    ProtocolError: new m.ProtocolError('FRAME_TOO_LARGE', 'frame'),
    MaxBytesError: new m.MaxBytesError(10),
    BufferOverflowError: new m.BufferOverflowError(8, 9),
    StreamClosedError: new m.StreamClosedError('closed', new Uint8Array(0)),
    InvalidMachineError: new m.InvalidMachineError('s', 'after', 'delayed transitions'),
    ProtocolFault: new m.ProtocolFault('BAD', 'fault'),
  };
}
type Name = keyof ReturnType<typeof samples>;
/** What each class is, itself included. */
const IS: Record<Name, Name[]> = {
  WiremachineError: ['WiremachineError'],
  ProtocolError: ['ProtocolError', 'WiremachineError'],
  MaxBytesError: ['MaxBytesError', 'ProtocolError', 'WiremachineError'],
  BufferOverflowError: ['BufferOverflowError', 'ProtocolError', 'WiremachineError'],
  StreamClosedError: ['StreamClosedError', 'ProtocolError', 'WiremachineError'],
  InvalidMachineError: ['InvalidMachineError', 'WiremachineError'],
  ProtocolFault: ['ProtocolFault', 'WiremachineError'],
};
const NAMES = Object.keys(IS) as Name[];

/** instanceof of every class of `checker` against every sample of `maker`, against the table. */
function expectIdentity(maker: Module, checker: Module) {
  const made = samples(maker);
  for (const value of NAMES) {
    for (const cls of NAMES) {
      expect([value, cls, made[value] instanceof checker[cls]]).toEqual([value, cls, IS[value].includes(cls)]);
    }
    expect(checker.isWiremachineError(made[value])).toBe(true);
  }
  for (const cls of NAMES) {
    expect(new Error('plain') instanceof checker[cls]).toBe(false);
    expect(new TypeError('plain') instanceof checker[cls]).toBe(false);
  }
}

describe('error codes and fields', () => {
  test('codes are the stable strings', () => {
    expect(ErrorCode).toEqual({
      MAX_BYTES: 'WIREMACHINE_ERR_MAX_BYTES',
      DECODE_SYNTAX: 'WIREMACHINE_ERR_DECODE_SYNTAX',
      DECODE_OVERFLOW: 'WIREMACHINE_ERR_DECODE_OVERFLOW',
      BUFFER_OVERFLOW: 'WIREMACHINE_ERR_BUFFER_OVERFLOW',
      STREAM_CLOSED: 'WIREMACHINE_ERR_STREAM_CLOSED',
      NO_PROGRESS: 'WIREMACHINE_ERR_NO_PROGRESS',
      UNHANDLED_READ: 'WIREMACHINE_ERR_UNHANDLED_READ',
      PROTOCOL: 'WIREMACHINE_ERR_PROTOCOL',
      ACTION_FAILED: 'WIREMACHINE_ERR_ACTION_FAILED',
      INVALID_MACHINE: 'WIREMACHINE_ERR_INVALID_MACHINE',
      INVALID_ARGUMENT: 'WIREMACHINE_ERR_INVALID_ARGUMENT',
      INVALID_STATE: 'WIREMACHINE_ERR_INVALID_STATE',
    });
  });

  test('each class sets its code, its name and its own fields', () => {
    const s = samples(errors);
    expect(s.MaxBytesError.code).toBe(ErrorCode.MAX_BYTES);
    expect(s.MaxBytesError.limit).toBe(10);
    expect(s.MaxBytesError.message).toContain('10');
    expect(s.BufferOverflowError.code).toBe(ErrorCode.BUFFER_OVERFLOW);
    expect(s.BufferOverflowError.limit).toBe(8);
    expect(s.StreamClosedError.code).toBe(ErrorCode.STREAM_CLOSED);
    expect(s.InvalidMachineError.code).toBe(ErrorCode.INVALID_MACHINE);
    expect([s.InvalidMachineError.state, s.InvalidMachineError.feature]).toEqual(['s', 'after']);
    expect(s.ProtocolError.code).toBe('FRAME_TOO_LARGE');
    for (const name of NAMES) {
      expect(s[name].name).toBe(name);
      expect(s[name]).toBeInstanceOf(Error);
      expect(String(s[name]).startsWith(`${name}: `)).toBe(true);
      expect(typeof s[name].stack).toBe('string');
    }
  });

  test('a ProtocolError carries offset, state and excerpt; without them, neutral values', () => {
    const e = new ProtocolError(ErrorCode.PROTOCOL, 'bad', { offset: 17, state: 'head.line', excerpt: enc('GET') });
    expect([e.offset, e.state, Array.from(e.excerpt)]).toEqual([17, 'head.line', Array.from(enc('GET'))]);
    const bare = new MaxBytesError(3);
    expect([bare.offset, bare.state, bare.excerpt.length]).toEqual([-1, '', 0]);
    const positioned = new MaxBytesError(3, { offset: 5, state: 'x', excerpt: enc('abcd') });
    expect([positioned.offset, positioned.state, positioned.limit]).toEqual([5, 'x', 3]);
  });

  test('StreamClosedError keeps unread bytes and the transport error as cause', () => {
    const reset = new Error('ECONNRESET');
    const e = new StreamClosedError('gone', enc('tail'), { offset: 9 }, reset);
    expect(Array.from(e.unread)).toEqual(Array.from(enc('tail')));
    expect(e.cause).toBe(reset);
    expect(e.offset).toBe(9);
    expect('cause' in new StreamClosedError('gone', enc(''))).toBe(false);
    expect(new WiremachineError('C', 'm', { cause: 42 }).cause).toBe(42);
  });

  test('isWiremachineError and instanceof follow the class tree', () => {
    expectIdentity(errors, errors);
    for (const v of [
      new Error('x'),
      null,
      undefined,
      'WIREMACHINE_ERR_MAX_BYTES',
      7,
      {},
      { code: ErrorCode.MAX_BYTES },
    ]) {
      expect(isWiremachineError(v)).toBe(false);
      expect(v instanceof WiremachineError).toBe(false);
    }
  });

  test('user subclasses get the same identity rules', () => {
    class FrameTooLarge extends ProtocolError {
      constructor() {
        super('FRAME_TOO_LARGE', 'frame too large');
      }
    }
    const e = new FrameTooLarge();
    expect([e instanceof FrameTooLarge, e instanceof ProtocolError, e instanceof WiremachineError]).toEqual([
      true,
      true,
      true,
    ]);
    expect(e instanceof MaxBytesError).toBe(false);
    expect(new ProtocolError('X', 'y') instanceof FrameTooLarge).toBe(false);
    expect(e.name).toBe('FrameTooLarge');
  });

  test('ERROR_ID is the registered symbol a class names its kind under', () => {
    expect(errors.ERROR_ID).toBe(Symbol.for('wiremachine.error.id'));
    expect(Object.hasOwn(errors.MaxBytesError, errors.ERROR_ID)).toBe(true);
    expect((errors.MaxBytesError as unknown as Record<symbol, string>)[errors.ERROR_ID]).toBe(
      'wiremachine:MaxBytesError',
    );
  });

  test('the brand is the identity: Symbol.for("wiremachine.error")', () => {
    const e = new MaxBytesError(1);
    expect((e as unknown as Record<symbol, unknown>)[Symbol.for('wiremachine.error')]).toBe(true);
    expect(Object.prototype.propertyIsEnumerable.call(e, Symbol.for('wiremachine.error'))).toBe(false);
    const branded = Object.defineProperty({}, Symbol.for('wiremachine.error'), { value: true });
    expect(isWiremachineError(branded)).toBe(true);
  });
});

describe('error identity across two copies of the package', () => {
  test('in one process: a second copy of errors.ts is a distinct module, yet instanceof holds', async () => {
    const load = (q: string) => import(/* @vite-ignore */ `../src/errors.ts?${q}`) as Promise<Module>;
    const [one, two] = await Promise.all([load('copy=1'), load('copy=2')]);
    // Really two copies: different classes and prototypes, so a prototype-chain
    // instanceof alone would say false.
    expect(one.WiremachineError).not.toBe(two.WiremachineError);
    expect(one.StreamClosedError).not.toBe(errors.StreamClosedError);
    const foreign = new two.StreamClosedError('x', new Uint8Array(0));
    expect(Object.getPrototypeOf(foreign)).not.toBe(one.StreamClosedError.prototype);
    expect(Function.prototype[Symbol.hasInstance].call(one.WiremachineError, foreign)).toBe(false);
    // The brand carries identity across copies, both ways.
    expectIdentity(two, one);
    expectIdentity(one, two);
    expectIdentity(errors, one);
    expect(foreign instanceof errors.StreamClosedError).toBe(true);
    expect(foreign instanceof errors.MaxBytesError).toBe(false);
    expect(errors.isWiremachineError(new two.MaxBytesError(1))).toBe(true);
  });

  test('in plain Node, two imports of dist/errors.js (needs `tsc -b`)', () => {
    const dist = fileURLToPath(new URL('../dist/errors.js', import.meta.url));
    const src = fileURLToPath(new URL('../src/errors.ts', import.meta.url));
    if (!existsSync(dist) || statSync(dist).mtimeMs < statSync(src).mtimeMs) {
      throw new Error(`${dist} is missing or older than errors.ts: run \`npx tsc -b\` (pnpm test does) first`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'wiremachine-errors-'));
    const script = join(dir, 'copies.mjs');
    writeFileSync(
      script,
      `const url = process.argv[2];
const one = await import(url + '?copy=1');
const two = await import(url + '?copy=2');
const closed = new two.StreamClosedError('x', new Uint8Array(0), {}, new Error('reset'));
const maxBytes = new two.MaxBytesError(4);
const protocol = new two.ProtocolError('FRAME_TOO_LARGE', 'big');
const plain = new Error('plain');
console.log(JSON.stringify({
  distinct: one.WiremachineError !== two.WiremachineError && one.ProtocolError !== two.ProtocolError,
  protoChain: Function.prototype[Symbol.hasInstance].call(one.WiremachineError, closed),
  closed: [closed instanceof one.WiremachineError, closed instanceof one.ProtocolError, closed instanceof one.StreamClosedError, closed instanceof one.MaxBytesError],
  maxBytes: [maxBytes instanceof one.WiremachineError, maxBytes instanceof one.ProtocolError, maxBytes instanceof one.MaxBytesError, maxBytes instanceof one.StreamClosedError],
  protocol: [protocol instanceof one.WiremachineError, protocol instanceof one.ProtocolError, protocol instanceof one.MaxBytesError],
  plain: [plain instanceof one.WiremachineError, plain instanceof one.ProtocolError, one.isWiremachineError(plain)],
  is: [one.isWiremachineError(closed), one.isWiremachineError(maxBytes), two.isWiremachineError(new one.ProtocolFault('C', 'm'))],
  fields: [maxBytes.code, maxBytes.limit, closed.code, closed.cause.message, protocol.offset],
}));
`,
    );
    let out: unknown;
    try {
      out = JSON.parse(execFileSync(process.execPath, [script, pathToFileURL(dist).href], { encoding: 'utf8' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(out).toEqual({
      distinct: true,
      protoChain: false,
      closed: [true, true, true, false],
      maxBytes: [true, true, true, false],
      protocol: [true, true, false],
      plain: [false, false, false],
      is: [true, true, true],
      fields: ['WIREMACHINE_ERR_MAX_BYTES', 4, 'WIREMACHINE_ERR_STREAM_CLOSED', 'reset', -1],
    });
  });
});
