/**
 * llhttp's own 251 test cases (../shared/conformance/llhttp-http1.json), each
 * fed at every slicing of its input (pieces of 1..length bytes), as llhttp runs
 * them. Every `ok` and `upgrade` case must give llhttp's messages and every
 * `error` case must be rejected; the exceptions are the documented
 * divergences, listed in DIVERGENT with their reasons (README "Divergences").
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  createRequestMachine,
  createResponseMachine,
  Http1ErrorCode,
  type Http1Machine,
  type Http1Options,
  type LenientFlag,
} from '@wiremachine/protocols/http1';
import { describe, expect, it } from 'vitest';
import { bytes, type Message, type Run, run, slices } from './collect.js';

const FILE = fileURLToPath(new URL('../../../../../shared/conformance/llhttp-http1.json', import.meta.url));

interface Case {
  id: string;
  type: 'request' | 'response';
  lenient: LenientFlag[];
  skipBody: boolean;
  input: string;
  outcome: 'ok' | 'error' | 'upgrade';
  endOfInput: 'clean' | 'completesMessage' | 'truncated' | null;
  messages: (Message & { protocol?: string })[];
}

/** Cases where this parser knowingly differs from llhttp, with the reason (also in the README). */
const DIVERGENT: Record<string, string> = {
  'request/invalid.md:568':
    'with every lenient flag, "0\\n\\nBaz: ghi\\n\\n" is read as the last chunk, an empty trailer section and a ' +
    'new request (which is invalid); llhttp takes "\\n\\n" after the size as one line ending and "Baz" as a trailer',
};

const machines = new Map<string, Http1Machine>();
function machineFor(c: Case): Http1Machine {
  const key = `${c.type}:${c.skipBody}:${[...c.lenient].sort().join(',')}`;
  let m = machines.get(key);
  if (m === undefined) {
    const options: Http1Options = { lenient: c.lenient, skipBody: c.skipBody, chunkHeaders: true };
    m = c.type === 'request' ? createRequestMachine(options) : createResponseMachine(options);
    machines.set(key, m);
  }
  return m;
}

const trim = (s: string) => s.replace(/[ \t]+$/, '');
function normal(m: Message, request: boolean) {
  return {
    ...(request ? { method: m.method, url: m.url } : { status: m.status, reason: m.reason }),
    version: m.version,
    headers: m.headers.map(([n, v]) => [n, trim(v)]),
    body: m.body,
    chunks: m.chunks,
    trailers: m.trailers.map(([n, v]) => [n, trim(v)]),
    complete: m.complete,
  };
}

/** Why one run does not match the case, or null when it does. */
function mismatch(c: Case, r: Run): string | null {
  const request = c.type === 'request';
  if (c.outcome === 'error') {
    if (r.error === null) return 'accepted';
    if (r.error.code === Http1ErrorCode.INCOMPLETE) return 'only rejected as incomplete';
    return null;
  }
  if (r.error !== null) return `rejected: ${r.error.code} ${r.error.message}`;
  if (c.outcome === 'upgrade' && !r.upgraded) return 'no upgrade';
  if (c.outcome === 'ok' && r.upgraded) return 'unexpected upgrade';
  let want = c.messages;
  // The data records messages before the input ended; ending it completes a close-delimited body.
  if (c.endOfInput === 'completesMessage')
    want = want.map((m, i) => (i === want.length - 1 ? { ...m, complete: true } : m));
  // A head the input does not finish is not reported (heads are parsed whole).
  if (want.length === r.messages.length + 1 && !want[want.length - 1].complete && r.state === 'head') {
    want = want.slice(0, -1);
  }
  const got = JSON.stringify(r.messages.map((m) => normal(m, request)));
  const exp = JSON.stringify(want.map((m) => normal(m, request)));
  return got === exp ? null : `messages differ:\n   got ${got}\n  want ${exp}`;
}

/** Runs every slicing of the input, from whole to one byte at a time. */
function check(c: Case): string | null {
  const input = bytes(c.input);
  const machine = machineFor(c);
  const end = c.endOfInput !== null || c.outcome === 'error';
  for (let size = input.length; size >= 1; size--) {
    const r = run(machine, slices(input, size), end && c.outcome === 'error' ? false : c.endOfInput !== null);
    let result = r;
    if (c.outcome === 'error' && r.error === null && r.status === 'running') {
      result = run(machine, slices(input, size), true);
    }
    if (c.endOfInput === 'truncated') {
      if (result.error === null) return `slices of ${size}: ending here must be an error`;
      continue;
    }
    const why = mismatch(c, result);
    if (why !== null) return `slices of ${size}: ${why}`;
  }
  return null;
}

describe.skipIf(!existsSync(FILE))('llhttp conformance cases, at every slicing', () => {
  const cases: Case[] = existsSync(FILE) ? JSON.parse(readFileSync(FILE, 'latin1')) : [];

  it('matches llhttp on every case but the documented divergences', () => {
    const failures: string[] = [];
    let matched = 0;
    for (const c of cases) {
      const why = check(c);
      if (why === null) matched++;
      else if (!(c.id in DIVERGENT)) failures.push(`${c.id} (${c.outcome}) ${why}`);
    }
    console.log(
      `llhttp conformance: ${matched}/${cases.length} cases match at every slicing; ${Object.keys(DIVERGENT).length} documented divergences`,
    );
    expect(failures).toEqual([]);
  });
});

describe.runIf(!existsSync(FILE))('llhttp conformance cases', () => {
  // Reported as skipped, with the reason, rather than as a test that passed: the cases are data read
  // from ../shared (never copied into the project), so a clone without it cannot run them.
  it.skip(`not run: ${FILE} is absent`, () => {});
});
