#!/usr/bin/env node
// Installs the packages as a user outside this repository would: `pnpm pack`
// each one (which replaces `workspace:*` ranges by versions), then a plain
// `npm install` of the tarballs into an empty directory. There it runs the
// README's first protocol against a socket that ends, an HTTP server and a
// request to it, and the `wiremachine` command (SVG diagrams, a TypeScript
// protocol module, the inspector's bundle). Run after `pnpm build`.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'wiremachine-pack-'));
const tarballs = join(work, 'tarballs');
const app = join(work, 'app');
mkdirSync(tarballs);
mkdirSync(app);
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const fail = (message) => {
  console.error(`pack-check: ${message}`);
  process.exit(1);
};

try {
  // 1. One tarball a package, packed by pnpm as `pnpm publish` would.
  const deps = {};
  for (const dir of readdirSync(join(root, 'packages'))) {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
    run('npx', ['-y', 'pnpm@10', 'pack', '--pack-destination', tarballs], join(root, 'packages', dir));
    const file = readdirSync(tarballs).find((f) => f.startsWith(`${manifest.name.slice(1).replace('/', '-')}-`));
    if (!file) fail(`no tarball for ${manifest.name}`);
    const packed = JSON.parse(run('tar', ['-xzOf', join(tarballs, file), 'package/package.json']));
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [name, range] of Object.entries(packed[field] ?? {})) {
        if (String(range).startsWith('workspace:')) fail(`${file}: ${field}.${name} is still ${range}`);
      }
    }
    deps[manifest.name] = `file:../tarballs/${file}`;
  }
  // The user's own machines import xstate, as the README's example does.
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  deps.xstate = rootManifest.devDependencies.xstate;
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: deps }, null, 2),
  );

  // 2. Plain npm, outside the workspace.
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], app);

  // 3. The README's first protocol, as written, fed frames and then the end of the input.
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const snippet = /## A protocol in 25 lines[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!snippet) fail('README has no "A protocol in 25 lines" block');
  const socketStub = `
import { EventEmitter } from 'node:events';
const socket = new EventEmitter();
setImmediate(() => {
  socket.emit('data', Uint8Array.of(0, 0, 0, 2, 104, 105, 0, 0));
  socket.emit('data', Uint8Array.of(0, 1, 33));
  socket.emit('end');
});
`;
  const { code } = await transform(snippet, { loader: 'ts', format: 'esm' });
  // Imports first, then the stand-in socket, then the rest of the example.
  const lines = code.split('\n');
  const firstBody = lines.findIndex((l) => !l.startsWith('import '));
  const program = [...lines.slice(0, firstBody), socketStub, ...lines.slice(firstBody)].join('\n');
  writeFileSync(join(app, 'readme.mjs'), program);
  const ran = spawnSync('node', ['readme.mjs'], { cwd: app, encoding: 'utf8', timeout: 30_000 });
  // A clean end prints the two frames and nothing on stderr (no StreamClosedError).
  if (ran.status !== 0 || ran.stderr !== '' || ran.stdout !== 'Uint8Array(2) [ 104, 105 ]\nUint8Array(1) [ 33 ]\n') {
    fail(
      `the README's protocol exited ${ran.status}, printed ${JSON.stringify(ran.stdout)} and ${JSON.stringify(ran.stderr)}`,
    );
  }

  // 4. The HTTP server and client, from the installed packages.
  writeFileSync(
    join(app, 'http.mjs'),
    `import { createServer, request } from '@wiremachine/http';
import { createDriver } from '@wiremachine/core';
import { createRequestMachine } from '@wiremachine/protocols/http1';
if (typeof createDriver !== 'function' || typeof createRequestMachine !== 'function') throw new Error('missing exports');
const server = createServer(async (req, res) => { await res.end('hello ' + req.url); });
await server.listen({ host: '127.0.0.1', port: 0 });
const res = await request('http://127.0.0.1:' + server.port + '/packed', { headersTimeout: 5000 });
const text = await res.body.text();
await server.close({ timeout: 1000 });
if (res.status !== 200 || text !== 'hello /packed') throw new Error('got ' + res.status + ' ' + text);
console.log('http ok');
`,
  );
  const http = execFileSync('node', ['http.mjs'], { cwd: app, encoding: 'utf8', timeout: 30_000 });
  if (http.trim() !== 'http ok') fail(`the HTTP check printed ${JSON.stringify(http)}`);

  // 5. The command, through the bin link npm made.
  const bin = join(app, 'node_modules', '.bin', 'wiremachine');
  const help = execFileSync(bin, ['--help'], { cwd: app, encoding: 'utf8' });
  if (!help.includes('wiremachine')) fail('`wiremachine --help` does not name itself');
  writeFileSync(join(app, 'get.http'), 'GET /one HTTP/1.1\r\nHost: a\r\n\r\n');
  const parsed = execFileSync(bin, ['parse', 'http1-request', 'get.http'], { cwd: app, encoding: 'utf8' });
  if (!parsed.includes('/one')) fail(`\`wiremachine parse http1-request\` printed ${JSON.stringify(parsed)}`);

  // 6. What needs the command's own dependencies: SVG from Graphviz in WebAssembly, a
  // protocol module in TypeScript (esbuild), and the inspector's page bundled for the browser.
  const svg = execFileSync(bin, ['diagram', 'http1-request', '--format', 'svg'], { cwd: app, encoding: 'utf8' });
  if (!svg.includes('<svg')) fail('`wiremachine diagram --format svg` printed no SVG');
  writeFileSync(
    join(app, 'greeting.ts'),
    `import { protocolTypes, until } from '@wiremachine/core';
import { emit, setup } from 'xstate';
const line: ReturnType<typeof until> = until('\\r\\n', { maxBytes: 64, strip: true });
export default setup({ types: protocolTypes() }).createMachine({
  context: {},
  initial: 'greeting',
  states: {
    greeting: { meta: { read: line }, on: { read: { target: 'done', actions: emit(({ event }) => ({ type: 'hello', n: event.data.length as number })) } } },
    done: { type: 'final' },
  },
});
`,
  );
  writeFileSync(join(app, 'greeting.in'), 'ada\r\n');
  const greeted = execFileSync(bin, ['parse', '--protocol-module', 'greeting.ts', 'greeting.in'], {
    cwd: app,
    encoding: 'utf8',
  });
  if (greeted.trim() !== '{"type":"hello","n":3}')
    fail(`a TypeScript protocol module printed ${JSON.stringify(greeted)}`);
  const inspector = spawn(bin, ['inspect', 'http1-request', 'get.http', '--port', '0'], { cwd: app });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('no URL in 30 s')), 30_000);
      inspector.stdout.on('data', (d) => {
        out += d;
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[0]);
        }
      });
      inspector.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const script = await fetch(`${url}app.js`);
    const text = await script.text();
    if (script.status !== 200 || !text.includes('startInspector')) fail('`wiremachine inspect` served no script');
  } catch (e) {
    fail(`\`wiremachine inspect\` failed: ${e.message}`);
  } finally {
    inspector.kill('SIGTERM');
  }

  console.log(
    `pack-check: ${Object.keys(deps).length - 1} packages packed, installed with npm, and run outside the workspace`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
