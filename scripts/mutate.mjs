#!/usr/bin/env node
/**
 * `pnpm mutate [target...] [--files GLOB] [--lines A-B] [--concurrency N] [--min-score P]`:
 * mutation testing with Stryker, scored by the generic tooling alone (the laws,
 * the differential tests and a fixed fuzzing budget), not the hand-written
 * example tests. Prints the mutation score per file and writes the surviving
 * mutants to .mutate/<target>.txt.
 *
 * Stryker works in place (the project's packages link their dependencies
 * through their own node_modules, which its sandbox does not copy): the
 * mutated files are restored when it ends, also on Ctrl-C. Do not edit the
 * target files while it runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { Stryker } from '@stryker-mutator/core';

const FUZZ = 'fuzz/test/fuzz.test.ts';
const TARGETS = {
  http1: {
    mutate: ['scan', 'state', 'machine', 'chunked'].map((f) => `packages/protocols/src/http1/${f}.ts`),
    tests: [
      'packages/protocols/test/http1/serialize.test.ts',
      'packages/protocols/test/http1/differential.test.ts',
      FUZZ,
    ],
  },
  tracker: {
    mutate: ['request', 'response'].map((f) => `packages/protocols/src/tracker/${f}.ts`),
    tests: ['packages/protocols/test/tracker/laws.test.ts', FUZZ],
  },
  core: {
    mutate: ['packages/core/src/byte-queue.ts', 'packages/core/src/satisfy.ts'],
    tests: ['packages/core/test/testing.test.ts', 'packages/core/test/executors-agree.test.ts', FUZZ],
  },
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    files: { type: 'string', multiple: true },
    lines: { type: 'string' },
    concurrency: { type: 'string', default: '2' },
    'min-score': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`usage: pnpm mutate [target...] [--files FILE...] [--lines A-B] [--concurrency N] [--min-score P]
targets: ${Object.keys(TARGETS).join(', ')} (default: all)
  --files FILE   mutate only these files of the target
  --lines A-B    only mutants on these lines (a sample, as CI runs)
  --concurrency  test runners at once (default 2)
  --min-score P  exit 1 when a target's score is below P percent (CI keeps a sample's score)`);
  process.exit(0);
}

const minScore = values['min-score'] === undefined ? null : Number(values['min-score']);
if (minScore !== null && !(minScore >= 0 && minScore <= 100)) {
  console.error(`--min-score takes a percentage from 0 to 100, not "${values['min-score']}"`);
  process.exit(2);
}
const chosen = positionals.length > 0 ? positionals : Object.keys(TARGETS);
mkdirSync('.mutate', { recursive: true });
let failed = false;
for (const name of chosen) {
  const target = TARGETS[name];
  if (target === undefined) {
    console.error(`no mutation target "${name}"; targets: ${Object.keys(TARGETS).join(', ')}`);
    process.exit(2);
  }
  const files = values.files ?? target.mutate;
  const mutate = values.lines ? files.map((f) => `${f}:${values.lines}`) : files;
  process.env.MUTATE_TESTS = target.tests.join(',');
  const started = performance.now();
  const results = await new Stryker({
    mutate,
    testRunner: 'vitest',
    vitest: { configFile: 'scripts/vitest.mutate.config.mjs', related: false },
    plugins: ['@stryker-mutator/vitest-runner'],
    coverageAnalysis: 'perTest',
    inPlace: true,
    concurrency: Number(values.concurrency),
    reporters: ['progress'],
    timeoutMS: 30_000,
    tempDirName: '.mutate/tmp',
    cleanTempDir: 'always',
  }).runMutationTest();
  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  const byFile = new Map();
  for (const r of results) {
    const file = relative('.', r.fileName);
    const f = byFile.get(file) ?? { killed: 0, survived: 0, noCoverage: 0, other: 0, survivors: [] };
    if (r.status === 'Killed' || r.status === 'Timeout') f.killed++;
    else if (r.status === 'Survived') f.survived++;
    else if (r.status === 'NoCoverage') f.noCoverage++;
    else f.other++;
    if (r.status === 'Survived' || r.status === 'NoCoverage') {
      f.survivors.push(
        `${file}:${r.location.start.line} ${r.mutatorName} ${r.status}: ${JSON.stringify(r.replacement)}`,
      );
    }
    byFile.set(file, f);
  }
  const lines = [`${name}: ${results.length} mutants in ${minutes} min`];
  let killed = 0;
  let scored = 0;
  for (const [file, f] of byFile) {
    const n = f.killed + f.survived + f.noCoverage;
    killed += f.killed;
    scored += n;
    lines.push(
      `  ${file}: ${n === 0 ? '-' : ((100 * f.killed) / n).toFixed(1)}% (${f.killed} killed, ${f.survived} survived, ` +
        `${f.noCoverage} not covered${f.other ? `, ${f.other} not run (compile or runtime error)` : ''})`,
    );
  }
  lines.push(`  score: ${scored === 0 ? '-' : ((100 * killed) / scored).toFixed(1)}% of ${scored} mutants`);
  console.log(lines.join('\n'));
  const survivors = [...byFile.values()].flatMap((f) => f.survivors);
  writeFileSync(`.mutate/${name}.txt`, `${lines.join('\n')}\n\nsurvivors:\n${survivors.join('\n')}\n`);
  if (results.length === 0) failed = true;
  if (minScore !== null && (scored === 0 || (100 * killed) / scored < minScore)) {
    console.error(`${name}: score below --min-score ${minScore}%`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
