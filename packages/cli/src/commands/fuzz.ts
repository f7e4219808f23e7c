/** `wiremachine fuzz`: coverage-guided fuzzing with a progress bar and a summary. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { concatBytes } from '@wiremachine/core';
import { fuzz } from '@wiremachine/core/testing';
import { positive } from '../input.js';
import { jsonLine } from '../json.js';
import { loadProtocol } from '../protocols.js';
import { HELP, UsageError } from '../usage.js';

function bar(done: number, total: number): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor((100 * done) / total)).padStart(3)}%`;
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
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP.fuzz);
    return 0;
  }
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
  const started = performance.now();
  const report = fuzz(protocol.machine, {
    seeds,
    runs,
    seed,
    input: protocol.input,
    maxBufferSize: protocol.maxBufferSize,
    progressEvery: Math.max(1, Math.floor(runs / 100)),
    onProgress: (r) => {
      if (!process.stderr.isTTY) return;
      process.stderr.write(
        `\r${bar(r.runs, runs)} ${r.runs}/${runs} inputs, ${r.covered}/${r.total} transitions, corpus ${r.corpus}`,
      );
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${protocol.name}: ${report.runs} inputs in ${seconds.toFixed(1)} s, ${report.covered}/${report.total} transitions, ` +
      `${report.features} features, corpus ${report.corpus}, crashes ${report.crashes.length}`,
  );
  for (const c of report.crashes)
    console.log(jsonLine({ type: 'crash', message: c.message, chunks: c.chunks, input: c.input }));
  return report.crashes.length > 0 ? 1 : 0;
}
