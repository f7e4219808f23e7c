/**
 * Per-address rate limiting: a token bucket for each source address, with a
 * bound on the addresses remembered.
 *
 * @module
 */
import { ErrorCode, WiremachineError } from '@wiremachine/core';

/** Options of {@link RateLimiter}. */
export interface RateLimitOptions {
  /** Replies per second an address earns. Default 100. */
  rate?: number;
  /** Replies an address may get in a burst. Default 200. */
  burst?: number;
  /** Addresses remembered at most; past it, idle ones are forgotten first. Default 65,536. */
  maxAddresses?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets by address.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ rate: 10, burst: 20 });
 * if (!limiter.take('192.0.2.1', Date.now())) return; // drop, no reply
 * ```
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly maxAddresses: number;

  constructor(options: RateLimitOptions = {}) {
    this.rate = options.rate ?? 100;
    this.burst = options.burst ?? 200;
    this.maxAddresses = options.maxAddresses ?? 65_536;
    if (!(this.rate > 0 && this.burst >= 1 && this.maxAddresses >= 1)) {
      throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, 'rate must be > 0, burst and maxAddresses >= 1');
    }
  }

  /** Addresses remembered now. */
  get size(): number {
    return this.buckets.size;
  }

  /** Take one token for `address` at `now` (milliseconds); `false` when it has none left. */
  take(address: string, now: number): boolean {
    let b = this.buckets.get(address);
    if (b === undefined) {
      if (this.buckets.size >= this.maxAddresses) this.prune(now);
      b = { tokens: this.burst, at: now };
      this.buckets.set(address, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.rate) / 1000);
      b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Forget addresses whose bucket has refilled (they lose nothing); if none has, forget all. */
  private prune(now: number): void {
    for (const [address, b] of this.buckets) {
      if (b.tokens + ((now - b.at) * this.rate) / 1000 >= this.burst) this.buckets.delete(address);
    }
    if (this.buckets.size >= this.maxAddresses) this.buckets.clear();
  }
}
