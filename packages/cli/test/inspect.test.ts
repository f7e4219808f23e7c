/**
 * `wiremachine inspect` in a real browser: Debian's Chromium driven by
 * playwright-core. The page parses in the browser with the bundled core; its
 * trace, outputs and errors must be those the command prints.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../../scripts/chromium.mjs';
import { BIN, wiremachine } from './run.js';

const CHROMIUM = CHROMIUM_PATH;
const present = existsSync(CHROMIUM);
if (!present && process.env.CI === undefined) {
  console.warn(
    `SKIPPED: the inspector's browser tests need Chromium at ${CHROMIUM} (apt-get install chromium); CI fails without it`,
  );
}

const example = (name: string) =>
  fileURLToPath(new URL(`../../../examples/dist/protocols/${name}.js`, import.meta.url));
/** Screenshots: test artifacts, not committed. */
const ARTIFACTS = fileURLToPath(new URL('../../../test-results/inspect/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wiremachine-inspect-'));
const latin1 = (s: string) => Buffer.from(s, 'latin1');

/** Starts `wiremachine inspect` on a free port; resolves to its URL and a stop function. */
async function inspect(args: string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'inspect', ...args, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`inspect did not start: ${err}`)), 30_000);
    child.stdout?.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`inspect exited ${code}: ${err}`));
    });
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url, stop };
}

let browser: BrowserContext;
/** A fresh profile (Chromium's --user-data-dir) for each run. */
const profile = mkdtempSync(join(tmpdir(), 'wiremachine-chromium-'));

beforeAll(async () => {
  if (!present) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: CHROMIUM_ARGS,
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
});

/** Opens the page and waits for its first run; page errors fail the test. */
async function open(url: string): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready=true]', { timeout: 30_000 });
  expect(errors).toEqual([]);
  return page;
}

const position = async (page: Page) => Number(await page.getAttribute('body', 'data-position'));
const end = async (page: Page) => Number(await page.getAttribute('body', 'data-end'));
const shownOutputs = (page: Page) => page.$$eval('#outputs li', (items) => items.map((li) => li.textContent ?? ''));
const traceOf = (page: Page) =>
  page.evaluate(() => (window as unknown as { inspector: { trace(): string[] } }).inspector.trace());

/** Pastes `text` (with \xHH escapes) as the input and waits for the re-run. */
async function paste(page: Page, text: string): Promise<void> {
  const runs = Number(await page.getAttribute('body', 'data-runs'));
  await page.fill('#text', text);
  await page.click('#paste button');
  await page.waitForSelector(`body[data-runs="${runs + 1}"]`);
}

/** The protocol args of the command and a good input, one case per shipped protocol. */
const shipped: Array<{ name: string; args: string[]; input: Buffer }> = [
  {
    name: 'http1-request',
    args: ['http1-request'],
    input: latin1(
      'POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n\xff\x00\r\n0\r\nX-Sum: 1\r\n\r\nGET / HTTP/1.0\r\n\r\n',
    ),
  },
  {
    name: 'http1-response',
    args: ['http1-response'],
    input: latin1(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
    ),
  },
  { name: 'chunked', args: ['chunked'], input: latin1('5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n') },
  {
    name: 'tracker-request',
    args: ['tracker-request'],
    input: Buffer.from([0, 0, 4, 0x17, 0x27, 0x10, 0x19, 0x80, 0, 0, 0, 0, 0, 0, 0, 7]),
  },
  {
    name: 'tracker-response',
    args: ['tracker-response'],
    input: Buffer.from([0, 0, 0, 0, 0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8]),
  },
  {
    name: 'tracker-response-ipv6',
    args: ['tracker-response-ipv6'],
    input: Buffer.from([
      0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 7, 8, 0, 0, 0, 1, 0, 0, 0, 2, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      1, 0x1a, 0xe1,
    ]),
  },
  { name: 'line (example module)', args: ['--protocol-module', example('line')], input: latin1('HELO a\r\nQUIT\r\n') },
  {
    name: 'greeting (a TypeScript module)',
    args: ['--protocol-module', fileURLToPath(new URL('./fixtures/greeting.ts', import.meta.url))],
    input: latin1('ada\r\nthe rest, handed over'),
  },
  {
    name: 'frame (example module)',
    args: ['--protocol-module', example('frame')],
    input: Buffer.from([0, 0, 0, 2, 0xff, 0, 0, 0, 0, 0]),
  },
];

describe.skipIf(!present && process.env.CI === undefined)('wiremachine inspect in Chromium', () => {
  test('Chromium is installed (CI must run these tests)', () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium`).toBe(true);
  });

  test.each(shipped)(
    '$name: the trace run in the browser is `wiremachine trace`, whole and in 3-byte chunks',
    async ({ name, args, input }) => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.bin`);
      writeFileSync(file, input);
      const { url, stop } = await inspect([...args, file]);
      try {
        const page = await open(url);
        const cli = wiremachine(['trace', ...args, file]);
        expect(cli.status).toBe(0);
        expect(await traceOf(page)).toEqual(cli.lines);
        // Re-run with a chunk size from the page's form.
        const runs = Number(await page.getAttribute('body', 'data-runs'));
        await page.fill('#chunk', '3');
        await page.click('#options button');
        await page.waitForSelector(`body[data-runs="${runs + 1}"]`);
        expect(await traceOf(page)).toEqual(wiremachine(['trace', ...args, file, '--chunk-size', '3']).lines);
        await page.close();
      } finally {
        await stop();
      }
    },
  );

  const walks = [
    {
      name: 'line',
      args: ['--protocol-module', example('line')],
      input: 'HELO a\r\nMAIL FROM:<a@b>\r\nQUIT\r\n',
      bad: 'HELO a\\r\\nno end',
      badBytes: 'HELO a\r\nno end',
      code: 'LINE_TRUNCATED',
    },
    {
      name: 'http1-request',
      args: ['http1-request'],
      input: 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhiGET /b HTTP/1.1\r\nHost: y\r\n\r\n',
      bad: 'GET / HTTP/1.1\\r\\nHost: a\\r\\nBad Header: x\\r\\n\\r\\n',
      badBytes: 'GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n',
      code: undefined,
    },
    {
      name: 'tracker-request',
      args: ['tracker-request'],
      input: '\x00\x00\x04\x17\x27\x10\x19\x80\x00\x00\x00\x00\x00\x00\x00\x07',
      bad: '\\x00\\x00\\x04\\x17\\x27\\x10\\x19\\x80\\x00\\x00\\x00\\x00\\x00',
      badBytes: '\x00\x00\x04\x17\x27\x10\x19\x80\x00\x00\x00\x00\x00',
      code: 'WIREMACHINE_ERR_TRACKER_TRUNCATED',
    },
  ];

  test.each(walks)(
    "$name: step to the end with the keyboard and buttons, the outputs are `wiremachine parse`'s; then to an error on a bad input",
    async ({ name, args, input, bad, badBytes, code }) => {
      const file = join(dir, `walk-${name}.bin`);
      writeFileSync(file, latin1(input));
      const { url, stop } = await inspect([...args, file]);
      try {
        const page = await open(url);
        expect(await position(page)).toBe(0);
        const last = await end(page);
        expect(last).toBeGreaterThan(1);
        // One read at a time: each step lights its state on the drawing and marks its bytes.
        await page.keyboard.press('ArrowRight');
        expect(await position(page)).toBe(1);
        expect(await page.$$eval('#diagram g.node.current', (g) => g.map((n) => n.id))).toHaveLength(1);
        expect(await page.$$eval('#diagram g.edge.taken', (g) => g.length)).toBeGreaterThan(0);
        expect(await page.$$eval('#hex .cur', (s) => s.length)).toBeGreaterThan(0);
        await page.click('#back');
        expect(await position(page)).toBe(0);
        // To the first output, then read by read to the end.
        await page.keyboard.press('Shift+ArrowRight');
        expect((await shownOutputs(page)).length).toBe(1);
        while ((await position(page)) < last) await page.click('#forward');
        // The machine ended in a final state: that state is lit (a step names it "(done)").
        const lit = await page.$$eval('#diagram g.node.current', (g) => g.map((n) => n.id));
        expect(lit).toHaveLength(1);
        if (name === 'line') expect(lit).toEqual(['state:closed']);
        const parsed = wiremachine(['parse', ...args, file]);
        expect(parsed.status).toBe(0);
        const outputs = parsed.lines.filter((l) => !l.startsWith('{"type":"upgrade"'));
        expect(await shownOutputs(page)).toEqual(outputs);
        await page.screenshot({ path: join(ARTIFACTS, `${name}-end.png`) });

        // A bad input pasted in: step to its error.
        await paste(page, bad);
        expect(await position(page)).toBe(0);
        await page.keyboard.press('End');
        expect(await position(page)).toBe(await end(page));
        const refused = wiremachine(['parse', ...args], latin1(badBytes));
        expect(refused.status).toBe(1);
        const error = refused.out.at(-1);
        if (code !== undefined) expect(error.code).toBe(code);
        expect(await page.isVisible('#error')).toBe(true);
        expect(await page.textContent('#error-code')).toBe(error.code);
        expect(await page.textContent('#error-message')).toBe(error.message);
        expect(await page.textContent('#error-where')).toBe(
          `state ${error.state ?? '-'}, offset ${error.offset ?? '-'}`,
        );
        expect(await page.textContent('#error-bytes')).toMatch(/^(@\d+: [0-9a-f]{2}|\(none: the input ended\))/);
        await page.screenshot({ path: join(ARTIFACTS, `${name}-error.png`) });
        await page.close();
      } finally {
        await stop();
      }
    },
  );

  test('a file dropped on the page, and one chosen with the file picker, are parsed in its place', async () => {
    const { url, stop } = await inspect(['--protocol-module', example('line')]);
    try {
      const page = await open(url);
      // An empty input: one step, its end.
      expect(await end(page)).toBe(2);
      const runs = Number(await page.getAttribute('body', 'data-runs'));
      const drop = await page.evaluateHandle(() => {
        const data = new DataTransfer();
        data.items.add(new File(['ONE\r\nTWO\r\n'], 'dropped.txt'));
        return data;
      });
      await page.dispatchEvent('body', 'drop', { dataTransfer: drop });
      await page.waitForSelector(`body[data-runs="${runs + 1}"]`);
      expect(await page.textContent('#file')).toBe('dropped.txt');
      await page.keyboard.press('End');
      expect(await shownOutputs(page)).toEqual(['{"type":"line","text":"ONE"}', '{"type":"line","text":"TWO"}']);
      const picked = join(dir, 'picked.txt');
      writeFileSync(picked, 'THREE\r\n');
      await page.setInputFiles('#open', picked);
      await page.waitForSelector(`body[data-runs="${runs + 2}"]`);
      await page.keyboard.press('End');
      expect(await shownOutputs(page)).toEqual(['{"type":"line","text":"THREE"}']);
      await page.close();
    } finally {
      await stop();
    }
  });

  test('http1-request: a lenient flag ticked on the page re-runs as --lenient does', async () => {
    const file = join(dir, 'bare-lf.bin');
    const bareLf = 'GET / HTTP/1.1\nHost: a\n\n';
    writeFileSync(file, latin1(bareLf));
    const { url, stop } = await inspect(['http1-request', file]);
    try {
      const page = await open(url);
      expect(await page.isVisible('#lenient-row')).toBe(true);
      const strict = wiremachine(['trace', 'http1-request', file]);
      expect(strict.status).toBe(1);
      expect(await traceOf(page)).toEqual(strict.lines);
      const runs = Number(await page.getAttribute('body', 'data-runs'));
      await page.click('#lenient-row summary');
      await page.check('#lenient input[value="OPTIONAL_CR_BEFORE_LF"]');
      await page.click('#options button');
      await page.waitForSelector(`body[data-runs="${runs + 1}"]`);
      const lenient = wiremachine(['trace', 'http1-request', file, '--lenient', 'OPTIONAL_CR_BEFORE_LF']);
      expect(lenient.status).toBe(0);
      expect(await traceOf(page)).toEqual(lenient.lines);
      await page.close();
    } finally {
      await stop();
    }
  });
});

describe('wiremachine inspect without a browser', () => {
  test('serves the page, its script and the input on 127.0.0.1 only, and refuses other Host names', async () => {
    const file = join(dir, 'served.bin');
    writeFileSync(file, latin1('HELO\r\n'));
    const { url, stop } = await inspect(['--protocol-module', example('line'), file]);
    try {
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script type="module" src="app.js">');
      const script = await (await fetch(`${url}app.js`)).text();
      expect(script).toContain('startInspector');
      expect(Buffer.from(await (await fetch(`${url}input`)).arrayBuffer()).toString('latin1')).toBe('HELO\r\n');
      expect((await fetch(`${url}nothing`)).status).toBe(404);
      const port = new URL(url).port;
      const rebound = await new Promise<number>((resolve, reject) => {
        import('node:http').then(({ get }) =>
          get({ host: '127.0.0.1', port, path: '/input', headers: { host: `evil.example:${port}` } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          }).on('error', reject),
        );
      });
      expect(rebound).toBe(403);
    } finally {
      await stop();
    }
  });

  test('bad usage exits 2: an unknown protocol, a module that does not bundle for the browser', () => {
    const unknown = wiremachine(['inspect', 'no-such-protocol']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown protocol "no-such-protocol"/);
    // A protocol that needs Node's file system runs in Node, but not in a browser.
    const nodeOnly = join(dir, 'node-only.mjs');
    writeFileSync(
      nodeOnly,
      `import { statSync } from 'node:fs';\nstatSync('.');\nexport { lineProtocol as default } from ${JSON.stringify(example('line'))};\n`,
    );
    expect(wiremachine(['parse', '--protocol-module', nodeOnly], 'a\r\n').status).toBe(0);
    const refused = wiremachine(['inspect', '--protocol-module', nodeOnly]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/cannot bundle the protocol for the browser: .*node:fs/);
    expect(wiremachine(['inspect', '--port', 'x', 'http1-request']).status).toBe(2);
  });
});
