/**
 * A small HTTP/1.1 client (`@wiremachine/http`): a few requests through one
 * keep-alive pool, a streamed upload, and a timeout.
 *
 *   node examples/dist/http-client.js http://127.0.0.1:8080
 *
 * @module
 */
import { Pool } from '@wiremachine/http';

const origin = process.argv[2] ?? 'http://127.0.0.1:8080';
const pool = new Pool(origin, { connections: 2 });

try {
  // The promise resolves with the head; the body streams after it.
  const res = await pool.request('/hello', { headersTimeout: 5000 });
  console.log(res.status, res.headers.get('content-type'), JSON.stringify(await res.body.text()));

  // An async iterable body is sent chunked.
  async function* parts() {
    for (let i = 0; i < 4; i++) yield new Uint8Array(64 * 1024).fill(i);
  }
  const upload = await pool.request('/upload', { method: 'POST', body: parts() });
  console.log(upload.status, await upload.body.text());

  // Redirects and errors are responses like any other; timeouts and aborts reject.
  const missing = await pool.request('/nowhere');
  console.log(missing.status, await missing.body.text());
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 1000);
  const streamed = await pool.request('/stream', { signal: ac.signal });
  for await (const chunk of streamed.body) process.stdout.write(chunk);
} finally {
  await pool.close();
}
