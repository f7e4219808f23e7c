import { type ProtocolError, WiremachineError } from '@wiremachine/core';
import { canonical, runChunks } from '@wiremachine/core/testing';
import { describe, expect, test } from 'vitest';
import {
  type AnnounceRequest,
  ipv4ResponseMachine,
  ipv6ResponseMachine,
  isTrackerError,
  parseRequest,
  parseResponse,
  requestMachine,
  serializeRequest,
  serializeResponse,
  type TrackerResponse,
} from '../../src/tracker/index.js';
import type { Vector } from './bytes.js';
import { requestVectors } from './request-vectors.js';
import { responseVectors } from './response-vectors.js';

const machines = { request: requestMachine, ipv4: ipv4ResponseMachine, ipv6: ipv6ResponseMachine };

function parse(v: Vector, executor: 'compiled' | 'xstate') {
  return v.machine === 'request'
    ? parseRequest(v.input, { executor })
    : parseResponse(v.input, { family: v.machine, executor });
}

const vectors = [...requestVectors, ...responseVectors];

describe.each(vectors)('$name', (v) => {
  test('gives its packet or its error, cut at every point, with both executors', () => {
    const expected =
      'packet' in v.expect
        ? canonical({ outputs: [v.expect.packet], error: null })
        : canonical({ outputs: [], error: v.expect });
    for (const executor of ['compiled', 'xstate'] as const) {
      for (let at = 0; at <= v.input.length; at++) {
        const chunks = [v.input.subarray(0, at), v.input.subarray(at)].filter((c) => c.length > 0);
        const o = runChunks(machines[v.machine], chunks, { executor });
        expect(o.thrown).toBeUndefined();
        expect(canonical({ outputs: o.outputs, error: o.error }), `${executor}, cut at ${at}`).toBe(expected);
      }
    }
  });

  test('parseRequest / parseResponse return the packet or throw the typed error', () => {
    for (const executor of ['compiled', 'xstate'] as const) {
      if ('packet' in v.expect) {
        expect(canonical(parse(v, executor))).toBe(canonical(v.expect.packet));
        continue;
      }
      let error: unknown;
      try {
        parse(v, executor);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WiremachineError);
      expect(isTrackerError(error)).toBe(true);
      const { code, offset, state, excerpt } = error as ProtocolError;
      expect({ code, offset, state }).toEqual(v.expect);
      // The excerpt shows the offending bytes (the field read, or what was left), from the offset on.
      expect(excerpt.length).toBeLessThanOrEqual(32);
      expect(canonical(excerpt)).toBe(canonical(v.input.slice(offset, offset + excerpt.length)));
    }
  });
});

const packets = vectors.filter((v) => 'packet' in v.expect);

test.each(packets)('serializing the packet of "$name" gives its bytes back', (v) => {
  const packet = (v.expect as { packet: object }).packet;
  const bytes =
    v.machine === 'request'
      ? serializeRequest(packet as AnnounceRequest)
      : serializeResponse(packet as TrackerResponse, { family: v.machine });
  expect(canonical(bytes)).toBe(canonical(v.serializesTo ?? v.input));
});
