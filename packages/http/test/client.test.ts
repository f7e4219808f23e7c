/** The client against node:http and raw servers: framings, HEAD, 1xx, 204/304, redirects, pool, timeouts, aborts. */
import * as http from 'node:http';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Pool, request } from '../src/index.js';
import { randomBytes, rejection, sleep, until, watchUnhandledRejections } from './helpers.js';

watchUnhandledRejections();

let node: http.Server;
let base = '';
let nodeConnections = 0;
beforeAll(async () => {
  node = http.createServer(async (req, res) => {
    const url = req.url ?? '/';
    if (url === '/chunked') {
      res.write('one,');
      await sleep(5);
      res.end('two');
    } else if (url === '/fixed') res.writeHead(200, { 'Content-Length': 10 }).end('fixed body');
    else if (url === '/204') res.writeHead(204).end();
    else if (url === '/304') res.writeHead(304, { ETag: '"x"' }).end();
    else if (url === '/redirect') res.writeHead(302, { Location: '/fixed' }).end('moved');
    else if (url === '/early') {
      res.writeEarlyHints({ link: '</style.css>; rel=preload' });
      res.end('after hints');
    } else if (url === '/slow') setTimeout(() => res.end('late'), 2000);
    else if (url === '/echo') {
      let h = 7;
      for await (const c of req) for (const x of c as Buffer) h = (h * 31 + x) >>> 0;
      res.end(`${req.headers['transfer-encoding'] ?? 'length'} ${h}`);
    } else res.end(`${req.method} ${url}`);
  });
  node.on('connection', () => nodeConnections++);
  await new Promise<void>((r) => node.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(node.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  node.closeAllConnections();
  await new Promise((r) => node.close(r));
});

describe('against node:http', () => {
  test('fixed-length and chunked bodies; connections are reused', async () => {
    const pool = new Pool(base, { connections: 1 });
    const before = nodeConnections;
    const a = await pool.request('/fixed');
    expect(a.status).toBe(200);
    expect(a.headers.get('content-length')).toBe('10');
    expect(await a.body.text()).toBe('fixed body');
    const b = await pool.request('/chunked');
    expect(b.headers.get('transfer-encoding')).toBe('chunked');
    expect(await b.body.text()).toBe('one,two');
    expect(nodeConnections - before).toBe(1);
    await pool.close();
  });

  test('HEAD: the head says a length, no body is read, the connection serves on', async () => {
    const pool = new Pool(base, { connections: 1 });
    const h = await pool.request('/fixed', { method: 'HEAD' });
    expect(h.headers.get('content-length')).toBe('10');
    expect(await h.body.text()).toBe('');
    expect(await (await pool.request('/fixed')).body.text()).toBe('fixed body');
    await pool.close();
  });

  test('204 and 304 have no body; a redirect is returned as it is', async () => {
    const pool = new Pool(base);
    const r204 = await pool.request('/204');
    expect([r204.status, await r204.body.text()]).toEqual([204, '']);
    const r304 = await pool.request('/304');
    expect([r304.status, r304.headers.get('etag'), await r304.body.text()]).toEqual([304, '"x"', '']);
    const r302 = await pool.request('/redirect');
    expect([r302.status, r302.headers.get('location'), await r302.body.text()]).toEqual([302, '/fixed', 'moved']);
    await pool.close();
  });

  test('1xx responses are heard, and the final response follows', async () => {
    const heard: number[] = [];
    const res = await request(`${base}/early`, { onInformational: (h) => heard.push(h.status) });
    expect(heard).toEqual([103]);
    expect(await res.body.text()).toBe('after hints');
  });

  test('a body given whole goes with Content-Length; an iterable goes chunked', async () => {
    const pool = new Pool(base);
    const data = randomBytes(300_000, 3);
    const h = data.reduce((a, x) => (a * 31 + x) >>> 0, 7);
    const whole = await pool.request('/echo', { method: 'POST', body: data });
    expect(await whole.body.text()).toBe(`length ${h}`);
    async function* pieces() {
      for (let i = 0; i < data.length; i += 70_000) yield data.subarray(i, i + 70_000);
    }
    const streamed = await pool.request('/echo', { method: 'POST', body: pieces() });
    expect(await streamed.body.text()).toBe(`chunked ${h}`);
    await pool.close();
  });

  test('headersTimeout rejects with a TimeoutError and the connection is dropped', async () => {
    const pool = new Pool(base);
    const e = await rejection(pool.request('/slow', { headersTimeout: 100 }));
    expect(e.code).toBe('WIREMACHINE_ERR_TIMEOUT');
    expect(pool.connections).toBe(0);
    await pool.close();
  });

  test('an AbortSignal cancels the request', async () => {
    const pool = new Pool(base);
    const ac = new AbortController();
    const p = pool.request('/slow', { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('user')), 50);
    const e = await rejection(p);
    expect(e.code).toBe('WIREMACHINE_ERR_ABORTED');
    expect(pool.connections).toBe(0);
    await pool.close();
  });

  test('a pool of 2 runs 6 requests on at most 2 connections', async () => {
    const pool = new Pool(base, { connections: 2 });
    const before = nodeConnections;
    const texts = await Promise.all([1, 2, 3, 4, 5, 6].map(async (i) => (await pool.request(`/n${i}`)).body.text()));
    expect(texts).toEqual([1, 2, 3, 4, 5, 6].map((i) => `GET /n${i}`));
    expect(nodeConnections - before).toBe(2);
    await pool.close();
  });
});

describe('against raw servers', () => {
  async function raw(
    reply: (socket: net.Socket, request: string) => void,
  ): Promise<{ url: string; close: () => void }> {
    const sockets = new Set<net.Socket>();
    const srv = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
      let got = '';
      s.on('data', (d) => {
        got += d.toString('latin1');
        if (got.includes('\r\n\r\n')) {
          reply(s, got);
          got = '';
        }
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return {
      url: `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
      close: () => {
        for (const s of sockets) s.destroy();
        srv.close();
      },
    };
  }

  test('a body delimited by the close is read to the end, and the connection is not reused', async () => {
    const srv = await raw((s) => {
      s.write('HTTP/1.1 200 OK\r\n\r\npart one, ');
      setTimeout(() => s.end('part two'), 20);
    });
    const pool = new Pool(srv.url);
    const res = await pool.request('/');
    expect(await res.body.text()).toBe('part one, part two');
    await until(() => pool.connections === 0);
    await pool.close();
    srv.close();
  });

  test('a keep-alive connection the server closed is replaced, and an idempotent request is sent again', async () => {
    let n = 0;
    const srv = await raw((s) => {
      n++;
      if (n === 2)
        s.destroy(); // closes as the reused connection's second request arrives
      else s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const pool = new Pool(srv.url, { connections: 1 });
    expect(await (await pool.request('/')).body.text()).toBe('ok');
    expect(await (await pool.request('/')).body.text()).toBe('ok');
    expect(n).toBe(3);
    await pool.close();
    srv.close();
  });

  test('a response that ends early fails the body read with a typed error', async () => {
    const srv = await raw((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort'));
    const res = await new Pool(srv.url).request('/');
    const e = await rejection(res.body.text());
    expect(e.code).toMatch(/^WIREMACHINE_ERR_/);
    srv.close();
  });
});
