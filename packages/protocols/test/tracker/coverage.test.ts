import { type ModelState, type ModelStep, modelInputs, readStep, transitionCoverage } from '@wiremachine/core/testing';
import { describe, expect, test } from 'vitest';
import { ipv4ResponseMachine, ipv6ResponseMachine, PROTOCOL_ID, requestMachine } from '../../src/tracker/index.js';
import { ascii, hex } from './bytes.js';

const u32 = (n: number) => Uint8Array.of(n >>> 24, n >>> 16, n >>> 8, n);

/** The datagram ends with `k` bytes of the pending field buffered (0: right at its start). */
function endWith(k: number): ModelStep {
  const unread = new Uint8Array(k);
  return { event: { type: 'eof', unread, error: undefined }, bytes: unread };
}

/** Field values worth trying in a state, beyond zeros: each picks a different transition. */
const special: Record<string, Uint8Array[]> = {
  // Requests: the protocol id and another connection id; actions 0–2 and two unknown ones.
  connectionId: [hex('0000041727101980'), hex('c0ffee0012345678')],
  action: [u32(0), u32(1), u32(2), u32(3), u32(7)],
  event: [u32(2), u32(4)],
  // BEP 41: EndOfOptions, NOP, URLData, an unknown type; lengths 0 and 3.
  option: [Uint8Array.of(0), Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(9)],
  optionLength: [Uint8Array.of(0), Uint8Array.of(3)],
};

/** Candidate steps from a state: its special values (or zeros), the datagram ending at the field, or inside it. */
function steps({ value, read }: ModelState): ModelStep[] {
  if (read?.kind === 'untilClose') return [readStep(ascii('Connection ID missmatch.\0'))];
  if (read?.kind !== 'bytes') return [];
  const values = special[String(value)] ?? [new Uint8Array(read.n)];
  const ends = read.n > 1 ? [endWith(0), endWith(read.n - 1)] : [endWith(0)];
  return [...values.map((v) => readStep(v.subarray(0, read.n))), ...ends];
}

/** States differ by what the guards look at: the action, whether the id is the protocol id, whether hashes came. */
function stateKey({ value, context }: ModelState): string {
  const c = context as { action: number; connectionId?: bigint; hashes?: unknown };
  return `${String(value)}|${c.action}|${c.connectionId === PROTOCOL_ID}|${c.hashes === null}`;
}

describe.each([
  ['request', requestMachine],
  ['ipv4 response', ipv4ResponseMachine],
  ['ipv6 response', ipv6ResponseMachine],
])('%s machine', (_name, machine) => {
  test('model-based inputs take every declared transition', () => {
    const inputs = modelInputs(machine, { steps, stateKey });
    const report = transitionCoverage(
      machine,
      inputs.map((i) => i.bytes),
    );
    expect(report.missed).toEqual([]);
    expect(report.covered).toBe(report.total);
  });
});
