/**
 * One-call parsing of a whole datagram: run the machine's driver over it and
 * return the packet, or throw the typed error.
 *
 * @module
 */
import { createDriver, ErrorCode, type ExecutorKind, WiremachineError } from '@wiremachine/core';
import type { AnyStateMachine } from 'xstate';
import type { AddressFamily } from './constants.js';
import type { TrackerRequest, TrackerResponse } from './packets.js';
import { requestMachine } from './request.js';
import { responseMachine } from './response.js';

/** Options of {@link parseRequest} and {@link parseResponse}. */
export interface ParseDatagramOptions {
  /** `compiled` (default) or `xstate`. */
  executor?: ExecutorKind;
}

function run<T>(machine: AnyStateMachine, datagram: Uint8Array, executor: ExecutorKind | undefined): T {
  let packet: T | undefined;
  const driver = createDriver(machine, {
    executor,
    onOutput: (output) => {
      packet = output as T;
    },
  });
  // Without onError the driver throws its error (a ProtocolError with a tracker code) from feed or end.
  driver.feed(datagram);
  driver.end();
  if (packet === undefined) {
    throw new WiremachineError(ErrorCode.INVALID_STATE, 'the datagram ended without a packet or an error');
  }
  return packet;
}

/**
 * Parse one request datagram (connect, announce with BEP 41 options, or
 * scrape). Throws a `ProtocolError` whose `code` is one of
 * `TrackerErrorCode`, with the offset of the offending field.
 *
 * @example
 * ```ts
 * const request = parseRequest(datagram);
 * if (request.type === 'announce') console.log(request.port, request.urlData);
 * ```
 */
export function parseRequest(datagram: Uint8Array, options: ParseDatagramOptions = {}): TrackerRequest {
  return run<TrackerRequest>(requestMachine, datagram, options.executor);
}

/**
 * Parse one response datagram (connect, announce, scrape or error) that
 * arrived over `family`, which decides the announce peer format. Throws as
 * {@link parseRequest} does.
 *
 * @example
 * ```ts
 * const response = parseResponse(datagram, { family: 'ipv6' });
 * if (response.type === 'error') throw new Error(response.message);
 * ```
 */
export function parseResponse(
  datagram: Uint8Array,
  options: ParseDatagramOptions & { family: AddressFamily },
): TrackerResponse {
  return run<TrackerResponse>(responseMachine(options.family), datagram, options.executor);
}
