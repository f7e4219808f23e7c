import { fuzz, typedRejection } from '@wiremachine/core/testing';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { loadRegressions } from '../src/regressions.js';
import { target, targets } from '../src/targets.js';

const saved = targets.flatMap((t) =>
  loadRegressions(t.name).map((r) => ({ ...r, target: t, name: `${t.name}/${r.file}` })),
);

// One test per saved crash; none are skipped silently: with no files there is nothing to replay.
describe.skipIf(saved.length === 0)('saved regression inputs', () => {
  test.each(saved)('$name ends in outputs or a typed error, in any chunking', ({ target, input }) => {
    fc.assert(typedRejection(target.machine, fc.constant(input), { maxBufferSize: target.options?.maxBufferSize }), {
      seed: 1,
      numRuns: 20,
    });
  });
});

describe.each(targets)('fuzz target $name', (t) => {
  test('a small seeded coverage-guided run finds no crash', () => {
    const report = fuzz(t.machine, { ...t.options, seeds: t.seeds, runs: 3000, seed: 11 });
    expect(report.crashes).toEqual([]);
    // Where a short run can, it takes every transition (see FuzzTarget.coversAll for the others).
    if (t.coversAll !== false) expect(report.covered).toBe(report.total);
  });
});

test('the fuzzer reports a crash, with its input, when a check fails', () => {
  const t = target('frame');
  const report = fuzz(t.machine, {
    ...t.options,
    seeds: t.seeds,
    runs: 200,
    seed: 3,
    check: (_input, outputs) => {
      if (outputs.length > 1) throw new Error('more than one frame');
    },
  });
  expect(report.crashes.length).toBeGreaterThan(0);
  expect(report.crashes[0].message).toMatch(/more than one frame/);
  // Two frames need at least their two 4-byte lengths.
  expect(report.crashes[0].input.length).toBeGreaterThanOrEqual(8);
});
