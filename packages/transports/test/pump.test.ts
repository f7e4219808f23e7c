/**
 * DriverPump, the loop under connect() and the HTTP connections: outputs
 * handed over as parsed, parsing held while the owner has no room, reading
 * paused then, and each end reported once.
 */
import type { WiremachineError } from '@wiremachine/core';
import { lineProtocol } from '@wiremachine/examples/protocols/line';
import { describe, expect, test } from 'vitest';
import { DriverPool, DriverPump, type PumpOwner } from '../src/index.js';
import { manual } from './helpers.js';

interface Line {
  type: 'line';
  text: string;
}

/** An owner with `room` outputs of room, that logs what it hears. */
function owner(room: number) {
  const heard: string[] = [];
  const o: PumpOwner<Line> & { room(): number; space: number } = {
    space: room,
    output: (l) => {
      heard.push(l.text);
      o.space--;
    },
    room: () => o.space,
    received: () => heard.push('<received>'),
    stopped: (error: WiremachineError | null, failedEnd: boolean) =>
      heard.push(`<stopped ${error === null ? 'done' : error.code}${failedEnd ? ' failed end' : ''}>`),
    inputEnded: (cause) => heard.push(`<input ended${cause === undefined ? '' : ' with error'}>`),
  };
  return { o, heard };
}

describe('DriverPump', () => {
  test('reads only once started; hands each output over as it is parsed', () => {
    const m = manual();
    const { o, heard } = owner(100);
    const pump = new DriverPump<Line>(lineProtocol, m.t, o);
    expect(m.started()).toBe(false);
    pump.start();
    m.feed('a\r\nb\r\nc');
    expect(heard).toEqual(['<received>', 'a', 'b']);
    m.feed('\r\n');
    expect(heard.slice(3)).toEqual(['<received>', 'c']);
  });

  test('no room holds parsing and pauses reading; pump() goes on where it stopped', () => {
    const m = manual();
    const { o, heard } = owner(1);
    const pump = new DriverPump<Line>(lineProtocol, m.t, o);
    pump.start();
    m.feed('a\r\nb\r\nc\r\n');
    expect(heard).toEqual(['<received>', 'a']);
    expect(m.log).toEqual(['pause']);
    expect(pump.isPaused).toBe(true);
    o.space = 10;
    pump.pump();
    expect(heard).toEqual(['<received>', 'a', 'b', 'c']);
    expect(m.log).toEqual(['pause', 'resume']);
  });

  test('a turn cut short by stepsPerTurn reads on below highWaterMark and pauses at it', () => {
    for (const [mark, paused] of [
      [64, false],
      [4, true],
    ] as const) {
      const m = manual();
      const { o, heard } = owner(100);
      const pump = new DriverPump<Line>(lineProtocol, m.t, o, { highWaterMark: mark, stepsPerTurn: 1 });
      pump.start();
      m.feed('a\r\nb\r\nc\r\n');
      // One read this turn; the rest (6 bytes) waits for the next turn.
      expect(heard).toEqual(['<received>', 'a']);
      expect(pump.isPaused).toBe(paused);
    }
  });

  test('a clean end: the machine stops once, then the end of input is reported once', () => {
    const m = manual();
    const { o, heard } = owner(10);
    const pump = new DriverPump<Line>(lineProtocol, m.t, o);
    pump.start();
    m.feed('a\r\n');
    m.end();
    m.end();
    pump.pump();
    expect(heard).toEqual(['<received>', 'a', '<stopped done>', '<input ended>']);
  });

  test('a failed input: the machine fails at that end (its own eof fault), flagged as a failed end', () => {
    const m = manual();
    const { o, heard } = owner(10);
    const pump = new DriverPump<Line>(lineProtocol, m.t, o);
    pump.start();
    m.feed('a\r\nhal');
    m.end(new Error('reset'));
    expect(heard.slice(2)).toEqual(['<stopped LINE_TRUNCATED failed end>', '<input ended with error>']);
    expect(pump.endCause).toBeInstanceOf(Error);
  });

  test('the end is held while the owner has no room: buffered lines come first', () => {
    const m = manual();
    const { o, heard } = owner(1);
    const pump = new DriverPump<Line>(lineProtocol, m.t, o);
    pump.start();
    m.feed('a\r\nb\r\n');
    m.end();
    expect(heard).toEqual(['<received>', 'a']);
    o.space = 10;
    pump.pump();
    expect(heard).toEqual(['<received>', 'a', 'b', '<stopped done>', '<input ended>']);
  });

  test('close() closes the transport once and parses nothing after', () => {
    const m = manual();
    const { o, heard } = owner(10);
    const pump = new DriverPump<Line>(lineProtocol, m.t, o);
    pump.start();
    pump.close();
    pump.close();
    m.feed('a\r\n');
    expect(m.log).toEqual(['close']);
    expect(heard).toEqual([]);
    expect(pump.isClosed).toBe(true);
  });

  test('pumps sharing a DriverPool borrow a driver while they have bytes, and keep their own offsets', () => {
    const pool = new DriverPool<Line>(lineProtocol, () => true);
    const a = manual();
    const b = manual();
    const oa = owner(100);
    const ob = owner(100);
    const pa = new DriverPump<Line>(lineProtocol, a.t, { ...oa.o, atRest: () => true }, { pool });
    const errors: WiremachineError[] = [];
    const pb = new DriverPump<Line>(
      lineProtocol,
      b.t,
      {
        ...ob.o,
        atRest: () => true,
        stopped: (e, failedEnd) => {
          if (e !== null) errors.push(e);
          ob.o.stopped(e, failedEnd);
        },
      },
      { pool },
    );
    pa.start();
    pb.start();
    expect(pool.created).toBe(0);
    a.feed('one\r\n');
    // Between lines with nothing buffered: the driver is back in the pool, and B takes the same one.
    expect(pool.size).toBe(1);
    b.feed('two\r\n');
    expect(pool.created).toBe(1);
    // A holds it while a line is half read; B then needs a second one.
    a.feed('thr');
    b.feed('four\r\n');
    expect(pool.created).toBe(2);
    a.feed('ee\r\n');
    expect(oa.heard.filter((h) => !h.startsWith('<'))).toEqual(['one', 'three']);
    expect(ob.heard.filter((h) => !h.startsWith('<'))).toEqual(['two', 'four']);
    expect(pool.size).toBe(2);
    // Each pump counts its own bytes, whichever drivers parsed them.
    expect(pa.offset).toBe(12);
    expect(pb.offset).toBe(11);
    // An error at B's end of input is placed in B's stream.
    b.feed('fiv');
    b.end();
    expect(ob.heard.at(-2)).toBe('<stopped LINE_TRUNCATED>');
    // The driver B borrows now has parsed 17 bytes for both pumps: the error is placed in B's own stream.
    expect((errors[0] as { offset?: number }).offset).toBe(11);
  });
});
