import * as net from 'node:net';
import { test } from 'vitest';
import { Pool } from '../src/index.js';

test('fin race', async () => {
  const srv = net.createServer((s) => {
    s.on('error', () => {});
    s.on('data', (d) => {
      if (d.includes('\r\n\r\n')) s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const pool = new Pool(`http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`, { connections: 1 });
  const res: string[] = [];
  for (let i = 0; i < 2; i++) {
    const all = [0, 1, 2].map((k) =>
      pool.request('/', { headersTimeout: 1000 }).then(
        async (r) => `${r.status}${await r.body.text()}`,
        (e) => `err ${e.code} ${e.message} ${e.cause?.code ?? e.cause?.message}`,
      ),
    );
    res.push((await Promise.all(all)).join(','));
  }
  console.log(res.join(' | '));
  await pool.close();
  srv.close();
}, 60000);
