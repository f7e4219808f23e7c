/**
 * `request()`: one request to a URL, through a pool per origin.
 *
 * @module
 */
import type { PoolOptions, RequestOptions } from './options.js';
import { Pool } from './pool.js';
import type { ClientResponse } from './response.js';

/**
 * Pools by origin, made on first use with the same options.
 *
 * @example
 * ```ts
 * const agent = new Agent({ connections: 4 });
 * const res = await agent.request('http://127.0.0.1:8080/a');
 * await agent.close();
 * ```
 */
export class Agent {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly options: PoolOptions = {}) {}

  /** The pool of `url`'s origin. */
  pool(url: string | URL): Pool {
    const u = new URL(url);
    let pool = this.pools.get(u.origin);
    if (pool === undefined) {
      const made = new Pool(u.origin, this.options);
      // Forgotten once it holds nothing, so that an agent used for many origins does not keep a pool for each.
      made.emptied = () => {
        if (this.pools.get(u.origin) === made) this.pools.delete(u.origin);
      };
      this.pools.set(u.origin, made);
      pool = made;
    }
    return pool;
  }

  /** Origins the agent holds a pool for now: those with connections open, opening, or requests waiting. */
  get origins(): number {
    return this.pools.size;
  }

  /** Send a request to `url`. */
  request(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    const u = new URL(url);
    return this.pool(u).request(`${u.pathname}${u.search}`, options);
  }

  /** Close every pool. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }
}

/** The agent {@link request} uses: its idle connections do not keep the process alive. */
export const defaultAgent: Agent = new Agent();

/**
 * Send a request to `url` (`http:` or `https:`); resolves with the response
 * once its head has arrived. Connections are kept alive in
 * {@link defaultAgent}, or in `options.agent`.
 *
 * @example
 * ```ts
 * const res = await request('http://127.0.0.1:8080/hello', { headersTimeout: 5000 });
 * if (res.status === 200) console.log(await res.body.text());
 * ```
 */
export function request(url: string | URL, options: RequestOptions & { agent?: Agent } = {}): Promise<ClientResponse> {
  return (options.agent ?? defaultAgent).request(url, options);
}
