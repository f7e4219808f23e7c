/**
 * `core`: what one satisfied read costs the driver, per executor, next to
 * hand-written loops that do the same slicing (the lower bound of the work).
 *
 * Each driver case feeds one pre-built buffer of {@link RECORDS} records to a
 * driver whose machine has a single waiting state: read, then a targetless
 * transition whose `assign` counts the read. The time of one `feed` divided
 * by {@link RECORDS} is the cost of a read: satisfying it from the buffer,
 * the view and the event, the executor's transition and the driver's
 * bookkeeping.
 *
 * One driver per case is created in `prepare` (untimed) and fed the same
 * buffer on every call: each feed consumes the buffer whole and leaves the
 * machine waiting in the same state, so every call does identical work and
 * creation cost is not in the figures at all.
 *
 * @module
 */
import { bytes, createDriver, type ExecutorKind, protocolTypes, type ReadRequest, until } from '@wiremachine/core';
import { assign, setup } from 'xstate';
import { type BenchCase, type BenchGroup, defineBenchmark, rowOf } from '../define.js';
import { rawFixedSubarray, rawFixedView, rawLineIndexOf, rawLineView } from './core-raw.js';

/** Records in the buffer each timed `feed` gets: reads per sample. */
const RECORDS = 10_000;
/** A 14-byte line and its CRLF: short, as header lines and commands are. */
const LINE = 'GET /index.htm\r\n';

const BYTES_GROUP = 'bytes(4)';
const UNTIL_GROUP = 'until("\\r\\n")';

// Buffers, as node:net delivers them: the driver's slices and searches then go
// through what a server's would.
const fixedRecords = Buffer.alloc(RECORDS * 4, 0xab);
const lineRecords = Buffer.from(LINE.repeat(RECORDS), 'latin1');

interface Counter {
  reads: number;
}

/** A machine that waits in one state for `read`, forever, counting reads. */
function countingMachine(read: ReadRequest) {
  return setup({
    types: protocolTypes<Counter, { type: 'none' }>(),
  }).createMachine({
    id: 'count',
    context: { reads: 0 },
    initial: 'waiting',
    states: {
      waiting: {
        meta: { read },
        on: { read: { actions: assign({ reads: ({ context }) => context.reads + 1 }) } },
      },
    },
  });
}

function driverCase(executor: ExecutorKind, read: ReadRequest, input: Buffer): BenchCase {
  return {
    name: executor,
    ops: RECORDS,
    prepare() {
      const driver = createDriver(countingMachine(read), { executor });
      const reads = () => (driver.context as Counter).reads;
      return () => {
        const before = reads();
        // The driver keeps `input` only until it is consumed, which it is
        // whole by the end of the call, so the same buffer can be fed again.
        driver.feed(input);
        const done = reads() - before;
        if (done !== RECORDS)
          throw new Error(`${executor}: ${done} reads, expected ${RECORDS} (driver ${driver.status})`);
        return driver;
      };
    },
  };
}

function group(name: string, read: ReadRequest, input: Buffer, raw: readonly BenchCase[]): BenchGroup {
  return {
    name,
    unit: 'ns/read',
    baseline: 'compiled',
    cases: [...raw, driverCase('compiled', read, input), driverCase('xstate', read, input)],
  };
}

/** Per-read cost of the driver with each executor, and hand-written bounds. */
export const core = defineBenchmark({
  name: 'core',
  description: `ns per satisfied read on buffered input (${RECORDS.toLocaleString('en')} records a feed), per executor`,
  groups: [
    group(BYTES_GROUP, bytes(4), fixedRecords, [
      rawFixedSubarray(fixedRecords, RECORDS),
      rawFixedView(fixedRecords, RECORDS),
    ]),
    group(UNTIL_GROUP, until('\r\n'), lineRecords, [
      rawLineIndexOf(lineRecords, RECORDS),
      rawLineView(lineRecords, RECORDS),
    ]),
  ],
  targets: [BYTES_GROUP, UNTIL_GROUP].flatMap((g) => [
    { label: `${g}: compiled <= 60 ns/read`, met: (rows) => rowOf(rows, g, 'compiled').medianNs <= 60 },
    { label: `${g}: xstate/compiled >= 20x`, met: (rows) => rowOf(rows, g, 'xstate').ratio >= 20 },
  ]),
});
