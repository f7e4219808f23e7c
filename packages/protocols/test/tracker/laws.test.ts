import {
  checkLaw,
  chunkInvariance,
  executorsAgree,
  mutated,
  roundTrip,
  typedRejection,
} from '@wiremachine/core/testing';
import fc from 'fast-check';
import { describe, test } from 'vitest';
import {
  type AddressFamily,
  ipv4ResponseMachine,
  ipv6ResponseMachine,
  requestMachine,
  serializeRequest,
  serializeResponse,
  type TrackerRequest,
  type TrackerResponse,
} from '../../src/tracker/index.js';
import {
  announceRequest,
  connectRequest,
  connectResponse,
  errorResponse,
  ipv4AnnounceResponse,
  ipv6AnnounceResponse,
  scrapeRequest,
  scrapeResponse,
} from './arbitraries.js';

const params = { seed: 15, numRuns: 150 };

const requests: Array<[string, fc.Arbitrary<TrackerRequest>]> = [
  ['connect', connectRequest],
  ['announce', announceRequest],
  ['scrape', scrapeRequest],
];

const families: Array<[AddressFamily, typeof ipv4ResponseMachine, fc.Arbitrary<TrackerResponse>]> = [
  ['ipv4', ipv4ResponseMachine, ipv4AnnounceResponse],
  ['ipv6', ipv6ResponseMachine, ipv6AnnounceResponse],
];

const responses = (announce: fc.Arbitrary<TrackerResponse>): Array<[string, fc.Arbitrary<TrackerResponse>]> => [
  ['connect', connectResponse],
  ['announce', announce],
  ['scrape', scrapeResponse],
  ['error', errorResponse],
];

describe('requests', () => {
  test.each(requests)('parse(serialize(x)) gives x: %s request', (_name, values) => {
    checkLaw(roundTrip(requestMachine, values, serializeRequest), params);
  });

  const valid = fc.oneof(...requests.map(([, a]) => a)).map(serializeRequest);
  const inputs = fc.oneof(valid, mutated(valid), fc.uint8Array({ maxLength: 200 }));

  test('any chunking gives the same packet or the same error', () => {
    checkLaw(chunkInvariance(requestMachine, inputs), params);
  });
  test('the compiled and xstate executors agree', () => {
    checkLaw(executorsAgree(requestMachine, inputs), { ...params, numRuns: 100 });
  });
  test('bad input gives only typed errors, bounded memory, no hang', () => {
    checkLaw(typedRejection(requestMachine, inputs, { maxBufferSize: 2048 }), params);
  });
});

describe.each(families)('responses over %s', (family, machine, announce) => {
  const serialize = (r: TrackerResponse) => serializeResponse(r, { family });

  test.each(responses(announce))('parse(serialize(x)) gives x: %s response', (_name, values) => {
    checkLaw(roundTrip(machine, values, serialize), params);
  });

  const valid = fc.oneof(...responses(announce).map(([, a]) => a)).map(serialize);
  const inputs = fc.oneof(valid, mutated(valid), fc.uint8Array({ maxLength: 200 }));

  test('any chunking gives the same packet or the same error', () => {
    checkLaw(chunkInvariance(machine, inputs), params);
  });
  test('the compiled and xstate executors agree', () => {
    checkLaw(executorsAgree(machine, inputs), { ...params, numRuns: 100 });
  });
  test('bad input gives only typed errors, bounded memory, no hang', () => {
    checkLaw(typedRejection(machine, inputs, { maxBufferSize: 2048 }), params);
  });
});
