/**
 * `wiremachine fuzz`: coverage-guided fuzzing with a progress bar and a
 * summary. The protocol's modules are instrumented first (istanbul, through a
 * module-loader hook), so the fuzzer follows their branches as well as the
 * machine's transitions.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { concatBytes } from '@wiremachine/core';
import { type FuzzReport, fuzz } from '@wiremachine/core/testing';
import { positive } from '../input.js';
import { jsonLine } from '../json.js';
import { loadProtocol } from '../protocols.js';
import { isTypeScript, registerTypeScript } from '../typescript.js';
import { HELP, UsageError } from '../usage.js';

function bar(done: number, total: number): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor((100 * done) / total)).padStart(3)}%`;
}

function branches(r: FuzzReport): string {
  if (r.code === null) return 'code coverage off';
  const share = r.code.total === 0 ? '-' : `${((100 * r.code.covered) / r.code.total).toFixed(1)}%`;
  return `${r.code.covered}/${r.code.total} branches (${share})`;
}

/**
 * The tokens of a dictionary file in libFuzzer's and AFL's format: one
 * `"value"` or `name="value"` a line, `#` comments, `\\`, `\"` and `\xHH`
 * escapes.
 */
export function readDictionary(text: string, file = 'dictionary'): Uint8Array[] {
  const tokens: Uint8Array[] = [];
  text.split(/\r?\n/).forEach((raw, n) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const open = line.indexOf('"');
    const close = line.lastIndexOf('"');
    if (open < 0 || close <= open) throw new UsageError(`${file}:${n + 1}: a token is written "value" or name="value"`);
    const bytes: number[] = [];
    const body = line.slice(open + 1, close);
    for (let i = 0; i < body.length; i++) {
      const c = body.charCodeAt(i);
      if (c !== 0x5c) {
        if (c > 0xff) throw new UsageError(`${file}:${n + 1}: write characters past \\xff as bytes (\\xHH)`);
        bytes.push(c);
        continue;
      }
      const e = body[i + 1];
      if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 2, i + 4))) {
        bytes.push(Number.parseInt(body.slice(i + 2, i + 4), 16));
        i += 3;
      } else if (e === '\\' || e === '"') {
        bytes.push(e.charCodeAt(0));
        i++;
      } else throw new UsageError(`${file}:${n + 1}: unknown escape \\${e ?? ''}`);
    }
    tokens.push(Uint8Array.from(bytes));
  });
  return tokens;
}

export async function fuzzCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      runs: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      'seed-file': { type: 'string', multiple: true, default: [] },
      'protocol-module': { type: 'string' },
      lenient: { type: 'string', multiple: true, default: [] },
      'no-code-coverage': { type: 'boolean', default: false },
      dictionary: { type: 'string', multiple: true, default: [] },
      token: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP.fuzz);
    return 0;
  }
  const codeCoverage = !values['no-code-coverage'];
  const modulePath = values['protocol-module'];
  // A TypeScript module is transpiled before it is instrumented: those hooks go first.
  if (modulePath !== undefined && isTypeScript(modulePath)) registerTypeScript();
  if (codeCoverage) await instrument(modulePath);
  await import('../builtins.js');
  const protocol = await loadProtocol(positionals[0], values['protocol-module'], {
    lenient: values.lenient,
    noBody: false,
  });
  const runs = positive('--runs', values.runs) as number;
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed takes a whole number, not "${values.seed}"`);
  const given = [...(protocol.seeds ?? []), ...values['seed-file'].map((f) => new Uint8Array(readFileSync(f)))];
  const prefix = protocol.prefix;
  const seeds = prefix ? given.map((s) => concatBytes([prefix, s])) : given;
  const dictionary = [
    ...values.dictionary.flatMap((f) => readDictionary(readFileSync(f, 'latin1'), f)),
    ...values.token.map((t) => readDictionary(`"${t.replace(/"/g, '\\"')}"`, '--token')[0]),
  ];
  const started = performance.now();
  const report = fuzz(protocol.machine, {
    seeds,
    runs,
    seed,
    input: protocol.input,
    maxBufferSize: protocol.maxBufferSize,
    codeCoverage,
    dictionary,
    progressEvery: Math.max(1, Math.floor(runs / 100)),
    onProgress: (r) => {
      if (!process.stderr.isTTY) return;
      process.stderr.write(
        `\r${bar(r.runs, runs)} ${r.runs}/${runs} inputs, ${r.covered}/${r.total} transitions, ${branches(r)}, corpus ${r.corpus}`,
      );
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${protocol.name}: ${report.runs} inputs in ${seconds.toFixed(1)} s, ${report.covered}/${report.total} transitions, ` +
      `${branches(report)}, ${report.features} features, corpus ${report.corpus}, crashes ${report.crashes.length}`,
  );
  for (const f of report.code?.files ?? []) console.log(`  ${relative('.', f.file)}: ${f.covered}/${f.total} branches`);
  for (const c of report.crashes)
    console.log(jsonLine({ type: 'crash', message: c.message, chunks: c.chunks, input: c.input }));
  return report.crashes.length > 0 ? 1 : 0;
}

/**
 * Instrument the modules under test before they load: the folder of a
 * protocol module (its own files, not its dependencies), or the shipped
 * protocols.
 */
async function instrument(modulePath: string | undefined): Promise<void> {
  const { instrumentModules } = await import('@wiremachine/core/testing/instrument');
  const folder =
    modulePath !== undefined
      ? dirname(resolve(modulePath))
      : dirname(dirname(fileURLToPath(import.meta.resolve('@wiremachine/protocols/http1'))));
  await instrumentModules({ include: [`${folder}${sep}`] });
}
