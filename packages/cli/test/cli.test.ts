import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { readDictionary } from '../src/commands/fuzz.js';
import { wiremachine } from './run.js';

// The built command (`pnpm build` first, as `pnpm test` does).
const example = (name: string) =>
  fileURLToPath(new URL(`../../../examples/dist/protocols/${name}.js`, import.meta.url));
const LINE = example('line');
const FRAME = example('frame');
const HANDSHAKE = fileURLToPath(new URL('./fixtures/handshake.mjs', import.meta.url));
const GREETING_TS = fileURLToPath(new URL('./fixtures/greeting.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wiremachine-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const json = (lines: string[]) => lines.map((l) => JSON.parse(l));

describe('wiremachine parse', () => {
  test('prints one JSON object per output and exits 0 when all input parsed', () => {
    const r = wiremachine(['parse', '--protocol-module', LINE], 'HELO a\r\nQUIT\r\n');
    expect(r.status).toBe(0);
    expect(json(r.lines)).toEqual([
      { type: 'line', text: 'HELO a' },
      { type: 'line', text: 'QUIT' },
    ]);
  });

  test('reads a file, in slices of --chunk-size, with either executor, to the same result', () => {
    const file = join(dir, 'frames.bin');
    writeFileSync(file, Buffer.from([0, 0, 0, 2, 0xff, 0x00, 0, 0, 0, 0]));
    const want = [
      { type: 'frame', payload: '\u00ff\u0000' },
      { type: 'frame', payload: '' },
    ];
    for (const extra of [[], ['--chunk-size', '1'], ['--executor', 'xstate', '--chunk-size', '3']]) {
      const r = wiremachine(['parse', '--protocol-module', FRAME, file, ...extra]);
      expect(r.status).toBe(0);
      expect(json(r.lines)).toEqual(want);
    }
  });

  test('a protocol error is a JSON line with code, offset, state and message, and exit status 1', () => {
    const r = wiremachine(['parse', '--protocol-module', FRAME, '-'], '\x00\x00\x00\x01A\xff\xff\xff\xff');
    expect(r.status).toBe(1);
    expect(json(r.lines)).toEqual([
      { type: 'frame', payload: 'A' },
      {
        type: 'error',
        code: 'FRAME_TOO_LARGE',
        offset: 5,
        state: 'length',
        message: 'frame longer than 1048576 bytes',
      },
    ]);
  });

  test('a protocol that hands over prints where: {"type":"upgrade","offset":N}', () => {
    const r = wiremachine(['parse', '--protocol-module', HANDSHAKE], 'ada\r\nraw bytes after');
    expect(r.status).toBe(0);
    expect(json(r.lines)).toEqual([
      { type: 'hello', name: 'ada' },
      { type: 'upgrade', offset: 5 },
    ]);
  });

  test('bad usage exits 2 with a plain message', () => {
    for (const [args, message] of [
      [['parse', 'no-such-protocol'], /unknown protocol "no-such-protocol"/],
      [['parse'], /name a protocol, or give --protocol-module FILE/],
      [['parse', '--protocol-module', LINE, '--chunk-size', '0'], /--chunk-size takes a whole number of at least 1/],
      [['parse', '--protocol-module', LINE, '--executor', 'fast'], /--executor is compiled or xstate/],
      [['parse', '--protocol-module', LINE, join(dir, 'missing.bin')], /cannot read .*missing\.bin: no such file/],
      [['parse', '--protocol-module', join(dir, 'missing.mjs')], /cannot load the protocol module/],
      [['parse', '--bogus'], /Unknown option '--bogus'/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ] as const) {
      const r = wiremachine([...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('a protocol module written in TypeScript', () => {
  test('parse, trace, diagram, compile and fuzz load a .ts module and the .ts files it imports as .js', () => {
    const parsed = wiremachine(['parse', '--protocol-module', GREETING_TS], 'ada\r\nrest');
    expect(parsed.stderr).toBe('');
    expect(parsed.status).toBe(0);
    expect(parsed.out).toEqual([
      { type: 'hello', name: 'ada' },
      { type: 'upgrade', offset: 5 },
    ]);
    const traced = wiremachine(['trace', '--protocol-module', GREETING_TS], 'ada\r\n');
    expect(traced.lines[0]).toBe('# @0 greeting until("\\r\\n", max 64) read 5B [61 64 61] "ada" -> (done)');
    const diagram = wiremachine(['diagram', '--protocol-module', GREETING_TS]);
    expect(diagram.status).toBe(0);
    expect(diagram.stdout).toContain('greeting --> upgraded: read');
    expect(wiremachine(['compile', '--protocol-module', GREETING_TS]).status).toBe(0);
    // Transpiled first, then instrumented: the fuzzer counts the TypeScript file's branches.
    const fuzzed = wiremachine(['fuzz', '--protocol-module', GREETING_TS, '--runs', '200']);
    expect(fuzzed.stderr).toBe('');
    expect(fuzzed.status).toBe(0);
    expect(fuzzed.stdout).toMatch(/\n {2}\S*greeting\.ts: [12]\/2 branches/);
  });
});

describe('wiremachine trace', () => {
  test('shows each step (state, read, event, bytes in hex and text, next state) before its outputs', () => {
    const r = wiremachine(['trace', '--protocol-module', LINE], 'hi\r\n');
    expect(r.status).toBe(0);
    expect(r.lines).toEqual([
      '# @0 line until("\\r\\n", max 1024) read 4B [68 69] "hi" -> line',
      '{"type":"line","text":"hi"}',
      '# @4 line - eof 0B [] "" -> (done)',
    ]);
  });
});

describe('wiremachine diagram', () => {
  test('mermaid (default) and dot', () => {
    const mermaid = wiremachine(['diagram', '--protocol-module', FRAME]);
    expect(mermaid.status).toBe(0);
    expect(mermaid.stdout).toContain('length --> length: read [tooLarge] / fail FRAME_TOO_LARGE');
    const dot = wiremachine(['diagram', '--protocol-module', FRAME, '--format', 'dot']);
    expect(dot.stdout).toMatch(/^digraph "frame" \{/);
    expect(wiremachine(['diagram', '--protocol-module', FRAME, '--format', 'png']).status).toBe(2);
  });

  test('svg from Graphviz in WebAssembly, with no dot command on the PATH', () => {
    // PATH holds an empty folder: no system Graphviz can be found.
    const r = wiremachine(['diagram', '--protocol-module', FRAME, '--format', 'svg'], '', {
      env: { ...process.env, PATH: dir },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^<\?xml[\s\S]*<svg [\s\S]*<\/svg>\s*$/);
    // Every state is drawn as a node.
    for (const state of ['length', 'payload']) expect(r.stdout).toContain(`<title>${state}</title>`);
  });
});

describe('wiremachine compile', () => {
  test('prints the generated JavaScript of a protocol module and of a built-in protocol', () => {
    const frame = wiremachine(['compile', '--protocol-module', FRAME]);
    expect(frame.status).toBe(0);
    expect(frame.stdout).toMatch(/^\/\/ Generated by wiremachine from the machine "frame"/);
    expect(frame.stdout).toMatch(/if \(tooLarge_\d+\(args, undefined\)\) return 0;/);
    const http = wiremachine(['compile', 'http1-request']);
    expect(http.status).toBe(0);
    expect(http.stdout).toContain('function select_0_');
    expect(wiremachine(['compile', '--help']).stdout).toContain('usage: wiremachine compile');
  });
});

describe('wiremachine fuzz, bench and help', () => {
  test('fuzz prints a summary and exits 0 when nothing crashed', () => {
    const r = wiremachine(['fuzz', '--protocol-module', FRAME, '--runs', '3000', '--seed', '5']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /: 3000 inputs in [\d.]+ s, \d+\/5 transitions, \d+\/7 branches \([\d.]+%\), \d+ features, corpus \d+, crashes 0/,
    );
    // The protocol module's own file, instrumented as it loaded.
    expect(r.stdout).toMatch(/\n {2}\S*frame\.js: \d+\/7 branches/);
  });

  test('fuzz --no-code-coverage guides by transitions alone; tokens come from files and flags', () => {
    const off = wiremachine(['fuzz', '--protocol-module', FRAME, '--runs', '500', '--no-code-coverage']);
    expect(off.status).toBe(0);
    expect(off.stdout).toMatch(/: 500 inputs in [\d.]+ s, \d+\/5 transitions, code coverage off, /);
    const dict = join(dir, 'frame.dict');
    writeFileSync(dict, '# frame lengths\nzero="\\x00\\x00\\x00\\x00"\n"\\x00\\x00\\x00\\x05hello"\n');
    const on = wiremachine([
      'fuzz',
      '--protocol-module',
      FRAME,
      '--runs',
      '500',
      '--dictionary',
      dict,
      '--token',
      'a\\x22',
    ]);
    expect(on.status).toBe(0);
    expect(readDictionary('# c\n\nkw1="GET"\n"a\\\\b\\"\\x00\\xFF"\n').map((t) => Array.from(t))).toEqual([
      [0x47, 0x45, 0x54],
      [0x61, 0x5c, 0x62, 0x22, 0x00, 0xff],
    ]);
    expect(() => readDictionary('"\\q"')).toThrow(/unknown escape/);
    const bad = join(dir, 'bad.dict');
    writeFileSync(bad, 'no quotes here\n');
    const refused = wiremachine(['fuzz', '--protocol-module', FRAME, '--runs', '5', '--dictionary', bad]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/bad\.dict:1: a token is written "value"/);
  });

  test('bench runs the harness of the checkout (an unknown name is its error)', () => {
    const r = wiremachine(['bench', 'no-such-benchmark']);
    expect(r.status).toBe(1);
    expect(r.stderr + r.stdout).toMatch(/no-such-benchmark/);
  });

  test('every command has --help; no command at all is bad usage', () => {
    for (const command of ['parse', 'trace', 'diagram', 'inspect', 'fuzz', 'bench']) {
      const r = wiremachine([command, '--help']);
      expect(r.status, command).toBe(0);
      expect(r.stdout, command).toMatch(new RegExp(`usage: wiremachine ${command}`));
    }
    expect(wiremachine(['--help']).status).toBe(0);
    expect(wiremachine([]).status).toBe(2);
  });
});
