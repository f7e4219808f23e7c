/**
 * Connection ids that need no state per client (BEP 15: "like a SYN
 * cookie"): HMAC-SHA256 over the client's address, port and a time bucket,
 * truncated to 8 bytes, keyed with the server's secret.
 *
 * @module
 */
import { createHmac, randomBytes } from 'node:crypto';
import { ErrorCode, WiremachineError } from '@wiremachine/core';

/** Options of {@link ConnectionIds}. */
export interface ConnectionIdOptions {
  /** The HMAC key: at least 16 bytes. Default: 32 random bytes (ids die with the process). */
  secret?: Uint8Array;
  /** Length of a time bucket in milliseconds. Default 60,000. */
  bucketMs?: number;
  /**
   * Buckets after the one it was issued in during which an id is accepted.
   * Default 2: with one-minute buckets an id lives at least 2 minutes (BEP 15)
   * and at most 3.
   */
  acceptBuckets?: number;
}

/**
 * Issues and checks connection ids without remembering any.
 *
 * @example
 * ```ts
 * const ids = new ConnectionIds();
 * const id = ids.issue('127.0.0.1', 50000, Date.now());
 * ids.verify(id, '127.0.0.1', 50000, Date.now() + 90_000); // true
 * ids.verify(id, '127.0.0.1', 50001, Date.now()); // false: another port
 * ```
 */
export class ConnectionIds {
  private readonly secret: Uint8Array;
  private readonly bucketMs: number;
  private readonly acceptBuckets: number;

  constructor(options: ConnectionIdOptions = {}) {
    this.secret = options.secret ?? randomBytes(32);
    if (this.secret.length < 16) {
      throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, 'the connection id secret must be at least 16 bytes');
    }
    this.bucketMs = options.bucketMs ?? 60_000;
    this.acceptBuckets = options.acceptBuckets ?? 2;
    if (!(this.bucketMs > 0) || !(Number.isInteger(this.acceptBuckets) && this.acceptBuckets >= 0)) {
      throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, 'bucketMs must be > 0 and acceptBuckets an integer >= 0');
    }
  }

  /** The id for `address`:`port` at time `now` (milliseconds). */
  issue(address: string, port: number, now: number): bigint {
    return this.derive(address, port, Math.floor(now / this.bucketMs));
  }

  /** Whether `id` was issued to `address`:`port` within the accepted buckets before `now`. */
  verify(id: bigint, address: string, port: number, now: number): boolean {
    const bucket = Math.floor(now / this.bucketMs);
    for (let b = bucket; b >= bucket - this.acceptBuckets; b--) {
      if (this.derive(address, port, b) === id) return true;
    }
    return false;
  }

  private derive(address: string, port: number, bucket: number): bigint {
    const mac = createHmac('sha256', this.secret).update(`${address}|${port}|${bucket}`).digest();
    return mac.readBigUInt64BE(0);
  }
}
