/**
 * UDP tracker packet errors. The machines reject input with core's `fail`, so
 * every fault is a `ProtocolError` (from `@wiremachine/core`) with one of these
 * stable codes, the byte offset of the offending field in the datagram, the
 * state that read it and an excerpt.
 *
 * @module
 */
import { fail, ProtocolError } from '@wiremachine/core';

/** Stable codes of UDP tracker packet faults (`WIREMACHINE_ERR_TRACKER_*`). Never change; messages may. */
export const TrackerErrorCode = {
  /** The datagram ended inside a fixed-size field (BEP 15 gives every packet a minimum size). */
  TRUNCATED: 'WIREMACHINE_ERR_TRACKER_TRUNCATED',
  /** The action is not one BEP 15 defines for this direction (0–2 in requests, 0–3 in responses). */
  UNKNOWN_ACTION: 'WIREMACHINE_ERR_TRACKER_UNKNOWN_ACTION',
  /** A connect request that does not start with the protocol id `0x41727101980`. */
  BAD_PROTOCOL_ID: 'WIREMACHINE_ERR_TRACKER_BAD_PROTOCOL_ID',
  /**
   * A list that is not a whole number of entries (info hashes of 20 bytes,
   * peers of 6 or 18, scrape entries of 12), a scrape request with no info
   * hash, or bytes after a 16-byte connect request.
   */
  BAD_SIZE: 'WIREMACHINE_ERR_TRACKER_BAD_SIZE',
  /** A BEP 41 option whose length byte is missing, or whose data runs past the end of the datagram. */
  BAD_OPTION: 'WIREMACHINE_ERR_TRACKER_BAD_OPTION',
  /** An announce `event` other than 0 (none), 1 (completed), 2 (started) or 3 (stopped). */
  BAD_EVENT: 'WIREMACHINE_ERR_TRACKER_BAD_EVENT',
} as const;

/** One of the {@link TrackerErrorCode} values. */
export type TrackerErrorCode = (typeof TrackerErrorCode)[keyof typeof TrackerErrorCode];

const CODES: ReadonlySet<string> = new Set(Object.values(TrackerErrorCode));

/**
 * `true` when `value` is a protocol error raised by the tracker machines,
 * whichever copy of `@wiremachine/core` made it (core brands its errors).
 *
 * @example
 * ```ts
 * try { parseRequest(datagram) } catch (e) {
 *   if (isTrackerError(e) && e.code === TrackerErrorCode.BAD_PROTOCOL_ID) return; // not a tracker client
 *   throw e;
 * }
 * ```
 */
export function isTrackerError(value: unknown): value is ProtocolError & { code: TrackerErrorCode } {
  return value instanceof ProtocolError && CODES.has(value.code);
}

/** `fail` action: the datagram ended inside `field`. */
export const truncated = (field: string) =>
  fail(TrackerErrorCode.TRUNCATED, ({ event }: { event: { unread?: Uint8Array } }) => {
    const have = event.unread?.length ?? 0;
    return `datagram ended inside the ${field} (${have} of its bytes present)`;
  });

/** `fail` action: a list of `size`-byte `what` entries with bytes left over. */
export const ragged = (what: string, size: number) =>
  fail(TrackerErrorCode.BAD_SIZE, ({ event }: { event: { unread?: Uint8Array } }) => {
    const left = event.unread?.length ?? 0;
    return `${what} list is not a multiple of ${size} bytes (${left} bytes left over)`;
  });
