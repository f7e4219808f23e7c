import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { emit, setup } from 'xstate';
import { protocolTypes, until } from '../src/index.js';
import { fuzz } from '../src/testing/index.js';
import { COVERAGE_VARIABLE, instrumentSource, literalTokens } from '../src/testing/instrument.js';

// A scanner with a planted bug three comparisons deep (a wrong length for lines that start "z?Q"): the machine
// takes one transition whatever the bytes, so only the scanner's branches can lead the fuzzer to it.
const SCANNER = `
export function inspect(data) {
  if (data[0] === 0x7a) {
    if (data[1] === 0x3f) {
      if (data[2] === 0x51) {
        return data.length - 1;
      }
    }
  }
  return data.length;
}
export const MAGIC = [0xde, 0xad, 0xbe, 0xef];
export const WORD = 'hello';
`;

let dir: string;
let inspect: (data: Uint8Array) => number;
let file: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wm-fuzz-'));
  file = join(dir, 'scanner.mjs');
  writeFileSync(file, instrumentSource(SCANNER, file));
  ({ inspect } = await import(/* @vite-ignore */ pathToFileURL(file).href));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lineMachine() {
  return setup({
    types: protocolTypes<Record<string, never>, { type: 'line'; length: number; n: number }>(),
  }).createMachine({
    context: {},
    initial: 'line',
    states: {
      line: {
        meta: { read: until('\n', { maxBytes: 64 }) },
        on: {
          read: {
            actions: emit(({ event }) => ({
              type: 'line' as const,
              length: event.data.length,
              n: inspect(event.data),
            })),
          },
          eof: { target: 'done' },
        },
      },
      done: { type: 'final' },
    },
  });
}

const seeds = [Uint8Array.from('ab\n', (c) => c.charCodeAt(0))];
const only = (f: string) => f === file;
const check = (_input: Uint8Array, outputs: unknown[]) => {
  for (const o of outputs as Array<{ length: number; n: number }>) {
    if (o.n !== o.length) throw new Error('scanned a wrong length');
  }
};

describe('code coverage as a second signal', () => {
  test('an instrumented module keeps its counters in the global the fuzzer reads', () => {
    inspect(Uint8Array.of(0x7a, 0));
    const all = (globalThis as Record<string, unknown>)[COVERAGE_VARIABLE] as Record<string, { b: object }>;
    expect(Object.keys(all)).toContain(file);
  });

  test('finds a bug behind three comparisons that transition coverage alone does not', () => {
    const runs = 12_000;
    const guided = fuzz(lineMachine(), { seeds, runs, seed: 6, codeFiles: only, check });
    expect(guided.crashes.map((c) => c.message)).toEqual(['threw Error: scanned a wrong length']);
    // A line that starts "z?Q".
    expect(String.fromCharCode(...guided.crashes[0].input)).toMatch(/(^|\n)z\?Q/);
    expect(guided.code?.files.map((f) => f.file)).toEqual([file]);
    expect(guided.code?.covered).toBe(guided.code?.total);

    const blind = fuzz(lineMachine(), { seeds, runs, seed: 6, codeCoverage: false, check });
    expect(blind.crashes).toEqual([]);
    expect(blind.code).toBeNull();
  });

  test('the report counts branch arms and names those never taken', () => {
    const report = fuzz(lineMachine(), { seeds, runs: 50, seed: 1, codeFiles: only });
    expect(report.code?.total).toBe(6);
    expect(report.code?.covered).toBeLessThan(6);
    expect(report.code?.files[0].missed[0]).toMatch(/^\d+:\d+ if#0$/);
  });

  test('literals of instrumented modules become tokens', () => {
    const tokens = literalTokens(SCANNER).map((t) => String.fromCharCode(...t));
    expect(tokens).toContain('hello');
    expect(tokens).toContain('\xde\xad\xbe\xef');
    expect(tokens).not.toContain('planted bug'.slice(0, 1));
    const withTokens = fuzz(lineMachine(), { seeds, runs: 10, seed: 1, codeFiles: only });
    const without = fuzz(lineMachine(), { seeds, runs: 10, seed: 1, codeFiles: only, machineDictionary: false });
    expect(without.tokens).toBe(0);
    expect(withTokens.tokens).toBeGreaterThanOrEqual(3);
  });
});

describe('dictionaries', () => {
  test("the machine's until delimiters and the caller's tokens are used", () => {
    const machine = setup({ types: protocolTypes<Record<string, never>, { type: 'hit' }>() }).createMachine({
      context: {},
      initial: 'line',
      states: {
        line: {
          meta: { read: until(['\r\n', '--boundary--'], { maxBytes: 128 }) },
          on: { read: { actions: ({ event }) => (event as { data: Uint8Array }).data }, eof: { target: 'done' } },
        },
        done: { type: 'final' },
      },
    });
    const base = fuzz(machine, { seeds, runs: 1, codeCoverage: false });
    expect(base.tokens).toBe(2);
    const more = fuzz(machine, { seeds, runs: 1, codeCoverage: false, dictionary: ['Content-Length', '\r\n'] });
    expect(more.tokens).toBe(3);
    const none = fuzz(machine, { seeds, runs: 1, codeCoverage: false, machineDictionary: false });
    expect(none.tokens).toBe(0);
  });

  test('a token the parser compares against is reached through the dictionary', () => {
    // Only the exact word reaches the second transition; random bytes would take 2^64 tries.
    const machine = setup({
      types: protocolTypes<Record<string, never>, { type: 'x' }>(),
      guards: {
        isMagic: ({ event }) => event.type === 'read' && String.fromCharCode(...event.data) === 'X-Wiremachine\n',
      },
    }).createMachine({
      context: {},
      initial: 'line',
      states: {
        line: {
          meta: { read: until('\n', { maxBytes: 64 }) },
          on: { read: [{ guard: 'isMagic', target: 'done' }, {}], eof: { target: 'done' } },
        },
        done: { type: 'final' },
      },
    });
    const found = fuzz(machine, { seeds, runs: 20_000, seed: 2, codeCoverage: false });
    expect(found.covered).toBe(found.total);
    const blind = fuzz(machine, { seeds, runs: 20_000, seed: 2, codeCoverage: false, machineDictionary: false });
    expect(blind.covered).toBeLessThan(blind.total);
  });
});
