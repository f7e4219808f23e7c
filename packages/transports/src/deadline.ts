/**
 * Cancellation and timeouts for one pending operation: an `AbortSignal`, a
 * timeout, or both, turned into {@link AbortedError} and {@link TimeoutError}.
 *
 * @module
 */
import { ErrorCode, WiremachineError } from '@wiremachine/core';
import { AbortedError, TimeoutError, type TimeoutPhase } from './errors.js';

/** Cancellation of one operation. */
export interface Deadline {
  /** Cancels the operation: it rejects with {@link AbortedError} (`cause`: the signal's reason). */
  signal?: AbortSignal;
  /** Milliseconds before the operation rejects with {@link TimeoutError}. Default: none. */
  timeout?: number;
}

/** Check a timeout option: a number of milliseconds >= 0, or undefined. */
export function checkTimeout(name: string, ms: number | undefined): void {
  if (ms !== undefined && !(ms >= 0 && ms <= 2 ** 31 - 1)) {
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `${name} must be a number of milliseconds >= 0, got ${ms}`);
  }
}

/**
 * Run `start` and settle with what it settles with, unless `signal` aborts or
 * `timeout` passes first: then `cancel(error)` runs (to undo the operation)
 * and the promise rejects with that error. Whatever settles second is
 * ignored, and never becomes an unhandled rejection.
 */
export function withDeadline<T>(
  deadline: Deadline,
  what: { name: string; phase: TimeoutPhase },
  start: (resolve: (value: T) => void, reject: (error: unknown) => void) => void,
  cancel: (error: WiremachineError) => void = () => {},
): Promise<T> {
  const { signal, timeout } = deadline;
  checkTimeout(`${what.phase} timeout`, timeout);
  if (signal?.aborted) return Promise.reject(new AbortedError(what.name, signal.reason));
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    const onAbort = () => stop(new AbortedError(what.name, signal?.reason));
    const cleanup = () => {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const stop = (error: WiremachineError) => {
      if (settled) return;
      cleanup();
      try {
        cancel(error);
      } finally {
        reject(error);
      }
    };
    if (timeout !== undefined) timer = setTimeout(() => stop(new TimeoutError(what.phase, timeout)), timeout);
    signal?.addEventListener('abort', onAbort, { once: true });
    start(
      (value) => {
        if (settled) return;
        cleanup();
        resolve(value);
      },
      (error) => {
        if (settled) return;
        cleanup();
        reject(error);
      },
    );
  });
}
