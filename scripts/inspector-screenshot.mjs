#!/usr/bin/env node
// Refreshes docs/inspect.png, the screenshot of `wiremachine inspect` in the
// README: examples/inputs/upload.http (a request with a chunked body, then
// another) stepped to its first output, in
// Debian's Chromium (driven by playwright-core). Run after `pnpm build`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'packages', 'cli', 'package.json'));
const { chromium } = require('playwright-core');
const work = mkdtempSync(join(tmpdir(), 'wiremachine-screenshot-'));
const server = spawn(
  process.execPath,
  [join(root, 'packages/cli/dist/main.js'), 'inspect', 'http1-request', 'examples/inputs/upload.http'],
  {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
let browser;
try {
  const url = await new Promise((ok, fail) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m) ok(m[0]);
    });
    server.once('exit', (code) => fail(new Error(`wiremachine inspect exited ${code}`)));
  });
  browser = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: CHROMIUM_ARGS,
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(url);
  await page.waitForSelector('body[data-ready=true]');
  // To the first output: the request, once its last chunk and trailers are read.
  await page.keyboard.press('n');
  const out = join(root, 'docs', 'inspect.png');
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser?.close();
  server.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
