/**
 * Differential fuzzing against Node's own llhttp (process.binding) and
 * http-parser-js, on generated requests and mutations of them (seeded).
 *
 * - Valid requests: all three give the same messages.
 * - Mutated requests: whatever we accept, llhttp accepts with the same
 *   messages (we are never laxer than Node: no smuggling gap between us).
 *   We reject some inputs llhttp accepts; see the README's divergences.
 */
import { createRequire } from 'node:module';
import { mutated } from '@wirestate/core/testing';
import { createRequestMachine, serializeRequest } from '@wirestate/protocols/http1';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Message, run, text } from './collect.js';

const require = createRequire(import.meta.url);

interface Peer {
  messages: Message[];
  rejected: boolean;
}

type Execute = (input: Uint8Array) => Peer;

function peer(Parser: any, make: () => any, methodName: (m: number) => string): Execute {
  return (input) => {
    const messages: Message[] = [];
    const p = make();
    p[Parser.kOnHeadersComplete] = (...a: any[]) => {
      const info =
        typeof a[0] === 'object'
          ? a[0]
          : { versionMajor: a[0], versionMinor: a[1], headers: a[2], method: a[3], url: a[4] };
      const h: string[] = info.headers;
      const headers: [string, string][] = [];
      for (let i = 0; i < h.length; i += 2) headers.push([h[i], h[i + 1]]);
      messages.push({
        method: methodName(info.method),
        url: info.url,
        version: `${info.versionMajor}.${info.versionMinor}`,
        headers,
        body: '',
        chunks: [],
        trailers: [],
        complete: false,
      });
      return 0;
    };
    p[Parser.kOnBody] = (b: Buffer, start?: number, len?: number) => {
      const m = messages[messages.length - 1];
      m.body += start === undefined ? b.toString('latin1') : b.toString('latin1', start, start + (len as number));
    };
    p[Parser.kOnMessageComplete] = () => {
      messages[messages.length - 1].complete = true;
    };
    const r = p.execute(Buffer.from(input));
    return { messages, rejected: r instanceof Error };
  };
}

const { HTTPParser: Llhttp, allMethods } = (process as any).binding('http_parser');
const llhttp = peer(
  Llhttp,
  () => {
    const p = new Llhttp();
    p.initialize(Llhttp.REQUEST, {});
    return p;
  },
  (m) => allMethods[m],
);
const { HTTPParser: Hpj } = require('http-parser-js');
const hpj = peer(
  Hpj,
  () => new Hpj(Hpj.REQUEST),
  (m) => Hpj.methods[m],
);

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,10}$/);
const value = fc.stringMatching(/^([!-~]([ !-~]{0,16}[!-~])?)?$/);
const requests = fc
  .tuple(
    fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'),
    fc.stringMatching(/^\/[!-~]{0,16}$/),
    fc.array(fc.tuple(token, value), { maxLength: 5 }),
    fc.oneof(
      fc.record({ body: fc.string({ maxLength: 20 }) }),
      fc.record({ chunks: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }) }),
      fc.constant({}),
    ),
  )
  .map(([method, url, hs, b]) =>
    serializeRequest({
      method,
      url,
      headers: hs.filter(
        ([n]) => !['content-length', 'transfer-encoding', 'connection', 'upgrade', 'expect'].includes(n.toLowerCase()),
      ),
      ...b,
    }),
  );

const machine = createRequestMachine();
const ours = (input: Uint8Array) => {
  const r = run(machine, [input]);
  return { messages: r.messages.map((m) => ({ ...m, chunks: [] })), rejected: r.error !== null };
};
/** Messages the parser completed (a head we have not finished is not reported). */
const completed = (p: Peer) =>
  JSON.stringify(
    p.messages
      .filter((m) => m.complete)
      .map((m) => [m.method, m.url, m.version, m.headers.map(([n, v]) => [n, v.trimEnd()]), m.body]),
  );
const key = (p: Peer) =>
  JSON.stringify({
    m: p.messages.map((m) => [
      m.method,
      m.url,
      m.version,
      m.headers.map(([n, v]) => [n, v.trimEnd()]),
      m.body,
      m.complete,
    ]),
    r: p.rejected,
  });

describe('differential: Node llhttp and http-parser-js', () => {
  it('valid requests: the same messages from all three parsers', () => {
    fc.assert(
      fc.property(requests, (input) => {
        const want = key(ours(input));
        expect(key(llhttp(input)), text(input)).toBe(want);
        expect(key(hpj(input)), text(input)).toBe(want);
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('mutated requests: whatever we accept, llhttp accepts with the same messages', () => {
    let accepted = 0;
    let rejectedOnlyByUs = 0;
    fc.assert(
      fc.property(mutated(requests), (input) => {
        const o = ours(input);
        const l = llhttp(input);
        if (!o.rejected) {
          accepted++;
          expect(completed(l), text(input)).toBe(completed(o));
        } else if (!l.rejected) rejectedOnlyByUs++;
      }),
      { seed: 12, numRuns: 1500 },
    );
    console.log(
      `differential (mutations): ${accepted} accepted by both alike; ${rejectedOnlyByUs} rejected by us only`,
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
