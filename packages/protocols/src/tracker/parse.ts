/**
 * One-call parsing of a whole datagram: run the machine's driver over it and
 * return the packet, or throw the typed error.
 *
 * @module
 */
import { ErrorCode, type ExecutorKind, parseAll, WiremachineError } from '@wiremachine/core';
import type { AnyStateMachine } from 'xstate';
import type { AddressFamily } from './constants.js';
import type { TrackerRequest, TrackerResponse } from './packets.js';
import { requestMachine } from './request.js';
import { responseMachine } from './response.js';

/** Options of {@link parseRequest} and {@link parseResponse}. */
export interface ParsePacketOptions {
  /** `compiled` (default) or `xstate`. */
  executor?: ExecutorKind;
}

function run<T>(machine: AnyStateMachine, datagram: Uint8Array, executor: ExecutorKind | undefined): T {
  // A ProtocolError with a tracker code, or a StreamClosedError for a datagram cut short, is thrown as it is.
  const { outputs } = parseAll(machine, datagram, { executor });
  if (outputs.length === 0) {
    throw new WiremachineError(ErrorCode.INVALID_STATE, 'the datagram ended without a packet or an error');
  }
  return outputs[outputs.length - 1] as T;
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
export function parseRequest(datagram: Uint8Array, options: ParsePacketOptions = {}): TrackerRequest {
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
  options: ParsePacketOptions & { family: AddressFamily },
): TrackerResponse {
  return run<TrackerResponse>(responseMachine(options.family), datagram, options.executor);
}
