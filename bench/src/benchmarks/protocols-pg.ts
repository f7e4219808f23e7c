/**
 * PostgreSQL backend messages in `pnpm bench protocols`: the example's
 * machine (`@wiremachine/examples/postgres`) against `pg-protocol`'s
 * `Parser`, the parser inside `pg`, on identical bytes.
 *
 * The stream is a query result repeated: a 20-column RowDescription, 1,000
 * DataRows of mixed text columns (integers, words, timestamps, decimals, a
 * NULL, a longer text), CommandComplete, ReadyForQuery. Both parsers decode
 * every value to a string; each call checks the count of rows and the total
 * length of their values against the source, so a parser that skips work
 * cannot pass for a fast one.
 *
 * @module
 */
import { createDriver } from '@wiremachine/core';
import { createPgProtocol, encodeBackend, type PgMessage } from '@wiremachine/examples/postgres';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { BenchCase, BenchGroup } from '../define.js';

const COLUMNS = 20;
const ROWS = 1000;
const RESULTS = 4;

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

/** The value of a column in a row: the mix a reporting query returns. */
function value(row: number, col: number): string | null {
  switch (col % 5) {
    case 0:
      return String(row * 7919 + col);
    case 1:
      return WORDS[(row + col) % WORDS.length];
    case 2:
      return `2024-0${1 + (row % 9)}-1${row % 10} 12:34:5${col % 10}.123456+00`;
    case 3:
      return row % 17 === col ? null : `${(row * 31.25 + col).toFixed(2)}`;
    default:
      return `${WORDS[row % WORDS.length]} ${WORDS[col % WORDS.length]} ${'lorem ipsum '.repeat(1 + (row % 3))}`;
  }
}

const rows: (string | null)[][] = Array.from({ length: ROWS }, (_, r) =>
  Array.from({ length: COLUMNS }, (_, c) => value(r, c)),
);
const result: PgMessage[] = [
  {
    type: 'rowDescription',
    fields: Array.from({ length: COLUMNS }, (_, i) => ({
      name: `column_${i}`,
      tableOid: 16384,
      columnId: i + 1,
      typeOid: [23, 25, 1184, 1700, 25][i % 5],
      typeSize: -1,
      typeModifier: -1,
      format: 0,
    })),
  },
  ...rows.map((values): PgMessage => ({ type: 'dataRow', values })),
  { type: 'commandComplete', tag: `SELECT ${ROWS}` },
  { type: 'readyForQuery', status: 'I' },
];
const stream = Buffer.concat(Array.from({ length: RESULTS }, () => result.map(encodeBackend)).flat());
const MESSAGES = RESULTS * result.length;
const EXPECTED_ROWS = RESULTS * ROWS;
const EXPECTED_CHARS = RESULTS * rows.flat().reduce((n, v) => n + (v?.length ?? 0), 0);

/** The stream cut into pieces of `size` bytes, as a socket would deliver them. */
const pieces = (size: number) =>
  Array.from({ length: Math.ceil(stream.length / size) }, (_, i) => stream.subarray(i * size, (i + 1) * size));

interface Tally {
  messages: number;
  rows: number;
  chars: number;
}

function countRow(t: Tally, values: readonly unknown[]) {
  t.rows++;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'string') t.chars += v.length;
  }
}

function check(name: string, t: Tally) {
  if (t.messages !== MESSAGES || t.rows !== EXPECTED_ROWS || t.chars !== EXPECTED_CHARS)
    throw new Error(
      `${name}: ${t.messages} messages, ${t.rows} rows, ${t.chars} chars; expected ${MESSAGES}, ${EXPECTED_ROWS}, ${EXPECTED_CHARS}`,
    );
}

function oursCase(chunks: readonly Buffer[]): BenchCase {
  return {
    name: 'wiremachine',
    ops: MESSAGES,
    prepare() {
      const t: Tally = { messages: 0, rows: 0, chars: 0 };
      const driver = createDriver(createPgProtocol(), {
        onOutput: (m: PgMessage) => {
          t.messages++;
          if (m.type === 'dataRow') countRow(t, m.values);
        },
      });
      return () => {
        t.messages = t.rows = t.chars = 0;
        for (let i = 0; i < chunks.length; i++) driver.feed(chunks[i]);
        check('wiremachine', t);
        return t;
      };
    },
  };
}

function peerCase(chunks: readonly Buffer[]): BenchCase {
  return {
    name: 'pg-protocol',
    ops: MESSAGES,
    prepare() {
      const t: Tally = { messages: 0, rows: 0, chars: 0 };
      const parser = new Parser();
      const onMessage = (m: { name: string; fields?: unknown[] }) => {
        t.messages++;
        if (m.name === 'dataRow') countRow(t, m.fields as unknown[]);
      };
      return () => {
        t.messages = t.rows = t.chars = 0;
        for (let i = 0; i < chunks.length; i++) parser.parse(chunks[i], onMessage as never);
        check('pg-protocol', t);
        return t;
      };
    },
  };
}

/** Group names, for targets. */
export const PG_GROUPS = ['postgres 64 KiB', 'postgres 1460 B'] as const;

/** The two groups: 64 KiB pieces and 1,460-byte pieces (one TCP segment). */
export const pgGroups: BenchGroup[] = [
  [PG_GROUPS[0], 64 * 1024],
  [PG_GROUPS[1], 1460],
].map(([name, size]) => {
  const chunks = pieces(size as number);
  return {
    name: name as string,
    unit: 'ns/message',
    baseline: 'pg-protocol',
    cases: [peerCase(chunks), oursCase(chunks)],
  };
});
