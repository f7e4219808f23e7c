import { describe, expect, test } from 'vitest';
import { createFrameProtocol, encodeFrame } from '../../../examples/src/protocols/frame.js';
import { createLineProtocol } from '../../../examples/src/protocols/line.js';
import {
  declaredTransitions,
  eofStep,
  type ModelStep,
  modelInputs,
  readStep,
  transitionCoverage,
} from '../src/testing/index.js';
import { enc } from './helpers.js';

const frames = createFrameProtocol({ maxFrameBytes: 8 });
const lines = createLineProtocol({ maxLineBytes: 8 });

/** Candidate steps for the frame protocol: lengths that fit, one that does not, and the end. */
function frameSteps(read: { kind: string; n?: number } | null): ModelStep[] {
  if (read?.kind !== 'bytes') return [];
  if (read.n === 4) {
    const length = (n: number) => encodeFrame(new Uint8Array(n)).subarray(0, 4);
    return [
      readStep(length(0)),
      readStep(length(3)),
      readStep(length(9)),
      eofStep(),
      { ...eofStep(), bytes: enc('ab') },
    ];
  }
  return [readStep(new Uint8Array(read.n ?? 0).fill(0x61))];
}

describe('model-based inputs', () => {
  test('the frame protocol: every declared transition is taken', () => {
    const inputs = modelInputs(frames, { steps: ({ read }) => frameSteps(read), stateKey: (s) => String(s.value) });
    expect(inputs.length).toBeGreaterThan(3);
    const report = transitionCoverage(
      frames,
      inputs.map((i) => i.bytes),
    );
    expect(report.missed).toEqual([]);
    expect(report.covered).toBe(report.total);
    expect(report.total).toBe(declaredTransitions(frames).length);
  });

  test('the line protocol: every declared transition is taken', () => {
    const steps = (): ModelStep[] => [
      readStep(enc('ab\r\n'), enc('ab'), 0),
      eofStep(),
      { event: { type: 'eof', unread: enc('x'), error: undefined }, bytes: enc('x') },
    ];
    const inputs = modelInputs(lines, { steps, stateKey: (s) => String(s.value) });
    const report = transitionCoverage(
      lines,
      inputs.map((i) => i.bytes),
    );
    expect(report.missed).toEqual([]);
    expect(report.total).toBe(3);
  });

  test('coverage reports what inputs miss', () => {
    // Only well-formed frames: the too-large branch and the truncated end are never taken.
    const report = transitionCoverage(frames, [encodeFrame(enc('abc'))]);
    expect(report.missed).toEqual(['length --read#0--> (self)', 'length --eof#1--> (self)']);
    expect(report.transitions.find((t) => t.state === 'payload')?.hits).toBe(1);
  });
});
