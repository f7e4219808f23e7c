/**
 * Typed errors of the tracker client, in core's scheme: each is a
 * `WiremachineError` with a stable code, branded so that `instanceof` works
 * across two copies of the package. Aborts are the transports'
 * `AbortedError` (`WIREMACHINE_ERR_ABORTED`).
 *
 * @module
 */
import { ERROR_ID, WiremachineError } from '@wiremachine/core';

/** Stable codes of the tracker session errors. Never change; messages may. */
export const TrackerSessionErrorCode = {
  /** The tracker answered with an error packet (BEP 15 action 3): see `trackerMessage`. */
  REFUSED: 'WIREMACHINE_ERR_TRACKER_REFUSED',
  /** No reply came after every retransmission (BEP 15: 15 * 2^n seconds, n = 0..8). */
  NO_REPLY: 'WIREMACHINE_ERR_TRACKER_NO_REPLY',
  /**
   * A reply matched the request's transaction but cannot be right: fewer
   * scrape entries than info hashes, an announce interval of 0, a seeder or
   * leecher count above `maxReportedPeers`.
   */
  BAD_REPLY: 'WIREMACHINE_ERR_TRACKER_BAD_REPLY',
} as const;

/** One of the {@link TrackerSessionErrorCode} values. */
export type TrackerSessionErrorCode = (typeof TrackerSessionErrorCode)[keyof typeof TrackerSessionErrorCode];

/** What a request was doing when it failed. */
export type ExchangePhase = 'connect' | 'announce' | 'scrape';

/**
 * The tracker refused the request with an error packet.
 *
 * @example
 * ```ts
 * await client.announce(params).catch((e) => {
 *   if (e instanceof TrackerRefusedError) console.log(e.trackerMessage); // "Connection ID missmatch."
 * });
 * ```
 */
export class TrackerRefusedError extends WiremachineError {
  static override readonly [ERROR_ID]: string = 'wiremachine:TrackerRefusedError';
  /** The tracker's message, as it sent it (without one trailing NUL). */
  readonly trackerMessage: string;
  /** The request the tracker refused. */
  readonly phase: ExchangePhase;
  constructor(phase: ExchangePhase, trackerMessage: string) {
    super(TrackerSessionErrorCode.REFUSED, `the tracker refused the ${phase}: ${trackerMessage}`);
    this.phase = phase;
    this.trackerMessage = trackerMessage;
  }
}

/**
 * No reply came: every retransmission timed out.
 *
 * @example
 * ```ts
 * await client.scrape([hash]).catch((e) => {
 *   if (e instanceof TrackerNoReplyError) console.log(`${e.attempts} datagrams, no answer`);
 * });
 * ```
 */
export class TrackerNoReplyError extends WiremachineError {
  static override readonly [ERROR_ID]: string = 'wiremachine:TrackerNoReplyError';
  /** The request that went unanswered last. */
  readonly phase: ExchangePhase;
  /** Datagrams sent in the whole exchange. */
  readonly attempts: number;
  constructor(phase: ExchangePhase, attempts: number) {
    super(TrackerSessionErrorCode.NO_REPLY, `no reply to the ${phase} after ${attempts} datagrams`);
    this.phase = phase;
    this.attempts = attempts;
  }
}

/**
 * A reply carried the request's transaction id and action but cannot be
 * right: a scrape reply with fewer entries than the info hashes asked, an
 * announce interval of 0, or a seeder or leecher count above the client's
 * `maxReportedPeers`.
 *
 * @example
 * ```ts
 * await client.scrape(hashes).catch((e) => {
 *   if (e instanceof TrackerBadReplyError) console.log(e.message);
 * });
 * ```
 */
export class TrackerBadReplyError extends WiremachineError {
  static override readonly [ERROR_ID]: string = 'wiremachine:TrackerBadReplyError';
  constructor(message: string) {
    super(TrackerSessionErrorCode.BAD_REPLY, message);
  }
}
