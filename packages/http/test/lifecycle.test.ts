/**
 * Nothing left behind: once an HTTP server, a pool or an agent is closed,
 * Node holds no handle or timer of theirs (`process.getActiveResourcesInfo()`
 * before and after), whatever state their connections were in.
 */
import { getEventListeners, setMaxListeners } from 'node:events';
import { describe, expect, test } from 'vitest';
import { Agent, createServer, type HttpServer, Pool } from '../src/index.js';
import { leftSince, rejection, resources, sleep, until, within } from './helpers.js';

async function serve(): Promise<HttpServer> {
  return createServer(async (req, res) => {
    if (req.url === '/slow') {
      await sleep(10_000);
      res.end('late');
    } else if (req.url === '/drip') {
      await res.write('first,');
      await sleep(10_000);
      res.end('never');
    } else if (req.url === '/stream') {
      for (let i = 0; i < 4; i++) await res.write(`piece ${i},`);
      res.end();
    } else {
      res.end(await req.body.text());
    }
  }).listen({ port: 0 });
}

describe('nothing is left behind after close()', () => {
  test('a pool closed while the server stays up: its connections, sockets and idle timers are gone', async () => {
    const server = await serve();
    const before = resources();
    const pool = new Pool(`http://127.0.0.1:${server.port}`, { connections: 3 });
    const texts = await Promise.all(
      ['a', 'b', 'c'].map(async (b) => (await pool.request('/', { method: 'POST', body: b })).body.text()),
    );
    expect(texts).toEqual(['a', 'b', 'c']);
    expect(await (await pool.request('/stream')).body.text()).toBe('piece 0,piece 1,piece 2,piece 3,');
    expect(pool.idleConnections).toBeGreaterThan(0);
    expect(server.connections).toBeGreaterThan(0);
    await pool.close();
    await until(() => server.connections === 0, 2000, 'the server saw every connection close');
    expect(await leftSince(before)).toEqual({});
    await server.close({ timeout: 100 });
  });

  test('a server closed under idle keep-alive connections, then the pool', async () => {
    const before = resources();
    const server = await serve();
    const pool = new Pool(`http://127.0.0.1:${server.port}`, { connections: 3 });
    await Promise.all(['a', 'b'].map(async (b) => (await pool.request('/', { method: 'POST', body: b })).body.text()));
    await server.close({ timeout: 100 });
    await pool.close();
    expect(await leftSince(before)).toEqual({});
  });

  test('an agent, and a server closed first under the agent idle connections', async () => {
    const before = resources();
    const server = await serve();
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    const res = await agent.request(`http://127.0.0.1:${server.port}/`, { method: 'POST', body: 'x' });
    expect(await res.body.text()).toBe('x');
    await server.close({ timeout: 100 });
    await agent.close();
    expect(await leftSince(before)).toEqual({});
  });

  test('a pool closed while a request waits for its head, with both timeouts armed', async () => {
    const before = resources();
    const server = await serve();
    const pool = new Pool(`http://127.0.0.1:${server.port}`);
    const pending = rejection(pool.request('/slow', { headersTimeout: 60_000, bodyTimeout: 60_000 }));
    await sleep(20);
    await pool.close();
    expect((await within(pending, 2000)).code).toMatch(/^WIREMACHINE_ERR_/);
    await server.close({ timeout: 100 });
    expect(await leftSince(before)).toEqual({});
  });

  // Before, the request was sent on the connection closed under it and never settled, its timer armed.
  test('a pool closed while its request is still connecting: the request rejects at once', async () => {
    const server = await serve();
    const before = resources();
    const pool = new Pool(`http://127.0.0.1:${server.port}`);
    const pending = rejection(pool.request('/', { headersTimeout: 60_000 }));
    await pool.close();
    expect((await within(pending, 2000)).code).toBe('WIREMACHINE_ERR_INVALID_STATE');
    await until(() => server.connections === 0, 2000, 'the server saw the connection close');
    expect(await leftSince(before)).toEqual({});
    await server.close({ timeout: 100 });
  });

  // Before, each request that waited for a connection left its abort listener on the signal: 38 of 40.
  test('one AbortSignal shared by requests that waited for a connection keeps none of their listeners', async () => {
    const server = await serve();
    const pool = new Pool(`http://127.0.0.1:${server.port}`, { connections: 2 });
    const abort = new AbortController();
    setMaxListeners(0, abort.signal); // 38 wait at once: Node's warning is not the point here
    const texts = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const res = await pool.request('/', { method: 'POST', body: String(i), signal: abort.signal });
        return res.body.text();
      }),
    );
    expect(texts).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
    await pool.close();
    await server.close({ timeout: 100 });
  });

  // Before, an agent kept a pool for every origin it had ever been asked for.
  test('an agent forgets an origin once its pool holds nothing: refused, and idle connections closed', async () => {
    const agent = new Agent({ keepAliveTimeout: 50 });
    const ports: number[] = [];
    for (let i = 0; i < 10; i++) {
      const s = await serve();
      ports.push(s.port);
      await s.close({ timeout: 100 });
    }
    for (const port of ports) {
      expect((await rejection(agent.request(`http://127.0.0.1:${port}/`))).code).toMatch(
        /^WIREMACHINE_ERR_|^ECONNREFUSED$/,
      );
    }
    expect(agent.origins).toBe(0);
    const server = await serve();
    const res = await agent.request(`http://127.0.0.1:${server.port}/`, { method: 'POST', body: 'x' });
    expect(await res.body.text()).toBe('x');
    expect(agent.origins).toBe(1);
    await until(() => agent.origins === 0, 2000, 'the idle connection closed and its pool was forgotten');
    // And the origin is served again by a new pool.
    expect(
      await (await agent.request(`http://127.0.0.1:${server.port}/`, { method: 'POST', body: 'y' })).body.text(),
    ).toBe('y');
    await agent.close();
    await server.close({ timeout: 100 });
  });

  test('a request aborted mid-body, then everything closed', async () => {
    const before = resources();
    const server = await serve();
    const pool = new Pool(`http://127.0.0.1:${server.port}`);
    const abort = new AbortController();
    const res = await pool.request('/drip', { signal: abort.signal, bodyTimeout: 60_000 });
    const first = await res.body.next();
    expect(first.done).toBe(false);
    abort.abort();
    expect((await rejection(res.body.text())).code).toBe('WIREMACHINE_ERR_ABORTED');
    await pool.close();
    await server.close({ timeout: 100 });
    expect(await leftSince(before)).toEqual({});
  });
});
