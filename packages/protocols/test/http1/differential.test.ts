/**
 * Differential fuzzing against Node's own llhttp (process.binding) and
 * http-parser-js, on generated requests and responses, mutations of them, and
 * framing fields with whitespace in every place (seeded).
 *
 * - Valid messages: all three give the same messages (start line, version,
 *   fields, body, trailers, completion, upgrade and the bytes left after it),
 *   with the input ended (a response body without a length ends there).
 * - Mutated messages, with the input ended and left open: whatever we accept,
 *   llhttp accepts with the same messages (we are never laxer than Node: no
 *   smuggling gap between us). Where llhttp accepts what we reject, our fault
 *   must be one of the documented divergences (REFUSED).
 * - The same for http-parser-js, which is far laxer: what it accepts and we
 *   reject is not compared.
 *
 * Where a peer gives other messages, the first place where one of its
 * documented shapes holds (LLHTTP_DIFFERS, HPJ_QUIRKS; README "Conformance and
 * divergences", with examples in the last tests here) bounds the comparison:
 * the messages before it (and its head, when that still agrees) must be equal.
 *
 * With the input left open, the messages we completed are what we accepted: a
 * peer's completed messages must begin with them, and may go on only where
 * ending the input makes us reject (a bare LF ends a head for a peer while we
 * still wait for CRLF CRLF).
 */
import { createRequire } from 'node:module';
import { createDriver } from '@wiremachine/core';
import { mutated } from '@wiremachine/core/testing';
import {
  createRequestMachine,
  createResponseMachine,
  Http1ErrorCode as E,
  type Http1Error,
  type Http1Machine,
  type Http1Output,
  type MessageHead,
  serializeRequest,
  serializeResponse,
  toHttp1Error,
} from '@wiremachine/protocols/http1';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytes, type Message, run, text } from './collect.js';

const require = createRequire(import.meta.url);

type Kind = 'request' | 'response';

/** What a parser made of an input. */
interface Result {
  messages: Message[];
  rejected: boolean;
  upgraded: boolean;
  /** Bytes left for the next protocol after an upgrade. */
  rest: number;
}

/** Ours, with the fault and the heads (framing decisions) the divergence rules look at. */
interface Ours extends Result {
  error: Http1Error | null;
  heads: MessageHead[];
}

type Execute = (input: Uint8Array, end: boolean) => Result;

/**
 * A Node-style parser (llhttp's binding or http-parser-js) over `input`, then
 * `finish()` when `end`, unless it stopped for an upgrade (what follows belongs
 * to the next protocol, and Node hands the socket over). `exitsOn101`: llhttp
 * stops at every 101 whatever its fields (llhttp__after_headers_complete); its
 * callback's `upgrade` argument only says whether Upgrade and
 * `Connection: upgrade` were there.
 */
function peer(Parser: any, make: () => any, methodName: (m: number) => string, exitsOn101: boolean): Execute {
  const pairs = (h: string[]) => {
    const out: [string, string][] = [];
    for (let i = 0; i < h.length; i += 2) out.push([h[i], h[i + 1]]);
    return out;
  };
  return (input, end) => {
    const messages: Message[] = [];
    // Fields Node flushed before the head completed (more than 32, or any after a message with trailers).
    let early: string[] = [];
    let earlyUrl = '';
    let upgrade = false;
    const open = () => messages.length > 0 && !messages[messages.length - 1].complete;
    const p = make();
    p[Parser.kOnHeaders] = (h: string[], url: string) => {
      if (open()) messages[messages.length - 1].trailers.push(...pairs(h));
      else {
        early = early.concat(h);
        earlyUrl += url ?? '';
      }
    };
    p[Parser.kOnHeadersComplete] = (...a: any[]) => {
      const info =
        typeof a[0] === 'object'
          ? a[0]
          : {
              versionMajor: a[0],
              versionMinor: a[1],
              headers: a[2],
              method: a[3],
              url: a[4],
              statusCode: a[5],
              statusMessage: a[6],
              upgrade: a[7],
            };
      const m: Message = {
        version: `${info.versionMajor}.${info.versionMinor}`,
        headers: pairs(early.concat(info.headers ?? [])),
        body: '',
        chunks: [],
        trailers: [],
        complete: false,
      };
      if (typeof info.statusCode === 'number') {
        m.status = info.statusCode;
        m.reason = info.statusMessage;
        upgrade = info.upgrade === true || (exitsOn101 && info.statusCode === 101);
      } else {
        m.method = methodName(info.method);
        m.url = earlyUrl + (info.url ?? '');
        upgrade = info.upgrade === true;
      }
      early = [];
      earlyUrl = '';
      messages.push(m);
      return 0;
    };
    p[Parser.kOnBody] = (b: Buffer, start?: number, len?: number) => {
      const m = messages[messages.length - 1];
      m.body += start === undefined ? b.toString('latin1') : b.toString('latin1', start, start + (len as number));
    };
    p[Parser.kOnMessageComplete] = () => {
      messages[messages.length - 1].complete = true;
    };
    const buf = Buffer.from(input);
    const r = p.execute(buf);
    const stopped = !(r instanceof Error) && r < buf.length;
    const last = messages.at(-1);
    // Node's binding reports no error once a request has asked for an upgrade: it returns the
    // offset of the fault (and Node's server hands the socket over from there). A stop inside a
    // message is llhttp rejecting it.
    let rejected = r instanceof Error || (stopped && last?.complete !== true);
    const upgraded = !rejected && last?.complete === true && (stopped || upgrade);
    if (end && !rejected && !upgraded) rejected = p.finish() instanceof Error;
    return { messages, rejected, upgraded, rest: upgraded ? buf.length - r : 0 };
  };
}

const { HTTPParser: Llhttp, allMethods } = (process as any).binding('http_parser');
const { HTTPParser: Hpj } = require('http-parser-js');
const hpjMethods: readonly string[] = Hpj.methods;

function ours(machine: Http1Machine) {
  return (input: Uint8Array, end: boolean): Ours => {
    const r = run(machine, [input], end);
    return {
      messages: r.messages.map((m) => ({ ...m, chunks: [] })),
      rejected: r.error !== null,
      upgraded: r.upgraded,
      rest: r.upgraded && r.remaining !== null ? r.remaining.length : 0,
      error: r.error === null ? null : toHttp1Error(r.error),
      heads: r.heads,
    };
  };
}

const machines: Record<Kind, Http1Machine> = { request: createRequestMachine(), response: createResponseMachine() };
/** Ours, llhttp and http-parser-js, for one kind of message. */
function parsersFor(kind: Kind) {
  const type = kind === 'request' ? 'REQUEST' : 'RESPONSE';
  return {
    ours: ours(machines[kind]),
    llhttp: peer(
      Llhttp,
      () => {
        const p = new Llhttp();
        p.initialize(Llhttp[type], {});
        return p;
      },
      (m) => allMethods[m],
      true,
    ),
    hpj: peer(
      Hpj,
      () => new Hpj(Hpj[type]),
      (m) => hpjMethods[m],
      false,
    ),
  };
}
const parsers = { request: parsersFor('request'), response: parsersFor('response') };
type PeerName = 'llhttp' | 'hpj';

// --- Comparing ---

/** How a peer makes strings of head bytes: the reason phrase, and field values. */
interface Decode {
  reason: (s: string) => string;
  value: (s: string) => string;
}
const latin1: Decode = { reason: (s) => s, value: (s) => s };
/** 'ascii' decoding in Node clears bit 7 of each byte, so obs-text changes (and may become SP or HTAB). */
const sevenBit = (s: string) => s.replace(/[\x80-\xff]/g, (c) => String.fromCharCode(c.charCodeAt(0) & 0x7f));
/** http-parser-js decodes heads as 'ascii', then its field regex drops SP and HTAB at both ends of a value. */
const ascii: Decode = { reason: sevenBit, value: (s) => sevenBit(s).replace(/^[ \t]+|[ \t]+$/g, '') };
const DECODE: Record<PeerName, Decode> = { llhttp: latin1, hpj: ascii };

const fieldsView = (h: [string, string][], d: Decode) => h.map(([n, v]) => [n, d.value(v)]);
/** The start line and fields. Both peers give "" for a status line without a reason; we give null. */
const headView = (m: Message, d: Decode) => [
  m.method ?? m.status,
  m.method === undefined ? d.reason(m.reason ?? '') : m.url,
  m.version,
  fieldsView(m.headers, d),
];
const view = (m: Message, d: Decode) => [...headView(m, d), m.body, fieldsView(m.trailers, d), m.complete];
const key = (r: Result, d: Decode = latin1) =>
  JSON.stringify({
    messages: r.messages.map((m) => view(m, d)),
    rejected: r.rejected,
    upgraded: r.upgraded,
    rest: r.rest,
  });
const completed = (r: Result, d: Decode = latin1) =>
  r.messages.filter((m) => m.complete).map((m) => JSON.stringify(view(m, d)));

// --- Known differences ---

const field = (m: Message, name: string) => m.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
/** A Content-Length other than 0, or a Transfer-Encoding. */
const framed = (m: Message) =>
  field(m, 'content-length').some((v) => v.trim() !== '0') || field(m, 'transfer-encoding').length > 0;
const noBodyStatus = (s: number) => (s >= 100 && s < 200) || s === 204 || s === 304;

/** What a rule looks at: our reading of the input, and the input. */
interface Reading {
  kind: Kind;
  input: Uint8Array;
  o: Ours;
}

/**
 * A shape from which a peer reads an input we accept differently: it holds at
 * message `i` (`i` = the number of messages: after the last one). `head`: the
 * head of message `i` still agrees.
 */
interface Rule {
  id: string;
  why: string;
  head: boolean;
  test: (r: Reading, i: number) => boolean;
}
/** A rule about message `i` itself. */
const message =
  (test: (m: Message, h: MessageHead, kind: Kind) => boolean) =>
  (r: Reading, i: number): boolean =>
    i < r.o.messages.length && test(r.o.messages[i], r.o.heads[i], r.kind);

/**
 * HTAB after an element of Content-Length, Transfer-Encoding or Connection, or
 * an empty last Transfer-Encoding element, in the raw head of a message.
 */
function framingOws(raw: Uint8Array): boolean {
  for (const [, name, value] of text(raw).matchAll(/^(content-length|transfer-encoding|connection):(.*)\r$/gim)) {
    if (/[^ \t,] *\t/.test(value)) return true;
    if (name.toLowerCase() === 'transfer-encoding' && /,[ \t]*$/.test(value)) return true;
  }
  return false;
}

/** Documented divergences from llhttp on inputs we accept (README "Conformance and divergences"). */
const LLHTTP_DIFFERS: Rule[] = [
  {
    id: 'framing-ows',
    why:
      'HTAB after a framing element, or an empty last Transfer-Encoding element: OWS and an ignored element ' +
      '(RFC 9110 §5.5, §5.6.1), as llhttp 9.4 reads them; Node 20 bundles llhttp 9.3.1, which takes only SP there',
    head: false,
    test: (r, i) => i < r.o.heads.length && framingOws(r.o.heads[i].raw),
  },
  {
    id: '1xx-body',
    why: 'a 1xx other than 100-103 with a body length has no body (RFC 9112 §6.3); llhttp reads the body',
    head: true,
    test: message(
      (m, _h, kind) => kind === 'response' && (m.status as number) > 103 && (m.status as number) < 200 && framed(m),
    ),
  },
];

/** Where each message ended in the input (fed a byte at a time), for the bytes between messages. */
function messageEnds(r: Reading): number[] {
  const ends: number[] = [];
  let at = 0;
  const driver = createDriver(machines[r.kind], {
    onOutput: (o) => {
      if ((o as Http1Output).type === 'end') ends.push(at);
    },
    onError: () => {},
  });
  while (at < r.input.length && driver.status === 'running') driver.feed(r.input.subarray(at, ++at));
  driver.end();
  return ends;
}
/** The CR and LF bytes we skip before message `i` (or after the last one) are not all whole empty lines. */
function strayCr(r: Reading, i: number): boolean {
  if (i === r.o.messages.length && (r.o.upgraded || !r.o.messages.at(-1)?.complete)) return false;
  const ends = messageEnds(r);
  let at = i === 0 ? 0 : ends[i - 1];
  let s = '';
  while (at < r.input.length && (r.input[at] === 0x0d || r.input[at] === 0x0a)) s += String.fromCharCode(r.input[at++]);
  return !/^(\r?\n)*\r?$/.test(s) || (i < r.o.messages.length && s.endsWith('\r'));
}

/** http-parser-js's quirks (README "Peers"); each has an example in the last test below. */
const HPJ_QUIRKS: Rule[] = [
  {
    id: 'http09',
    why: 'HTTP/0.9 request lines (no version) are refused',
    head: false,
    test: message((m) => m.version === '0.9'),
  },
  {
    id: 'method',
    why: 'methods it does not know (QUERY, PRI, the RTSP ones) are refused',
    head: false,
    test: message((m, _h, kind) => kind === 'request' && !hpjMethods.includes(m.method as string)),
  },
  {
    id: 'protocol',
    why: 'protocols other than HTTP (RTSP/, ICE/) are refused',
    head: false,
    test: message((_m, h) => h.protocol !== 'HTTP'),
  },
  {
    id: 'stray-cr',
    why: 'a CR not followed by LF among the blank lines before a start line (or at the end) is refused',
    head: false,
    test: strayCr,
  },
  {
    id: 'obs-crlf-head',
    why: 'obs-text that 7-bit decoding makes CR or LF (0x8D, 0x8A) breaks the head',
    head: false,
    test: message((m) => /[\x8a\x8d]/.test((m.reason ?? '') + m.headers.map(([, v]) => v).join(''))),
  },
  {
    id: 'obs-crlf-trailers',
    why: 'obs-text that 7-bit decoding makes CR or LF (0x8D, 0x8A) breaks the trailers',
    head: true,
    test: message((m) => /[\x8a\x8d]/.test(m.trailers.map(([, v]) => v).join(''))),
  },
  {
    id: 'obs-framing',
    why: 'obs-text in Transfer-Encoding or Connection is decoded to 7 bits before it is interpreted',
    head: true,
    test: message((m) => /[\x80-\xff]/.test([...field(m, 'transfer-encoding'), ...field(m, 'connection')].join(''))),
  },
  {
    id: 'no-body-status',
    why: 'a 1xx, 204 or 304 with a Content-Length other than 0 or a Transfer-Encoding gets a body',
    head: true,
    test: message((m, _h, kind) => kind === 'response' && noBodyStatus(m.status as number) && framed(m)),
  },
  {
    id: '101',
    why: 'a 101 without Upgrade and Connection: upgrade does not switch protocols; it reads on as HTTP/1',
    head: true,
    test: message(
      (m) =>
        m.status === 101 &&
        !(
          field(m, 'upgrade').length > 0 &&
          field(m, 'connection').some((v) => v.split(',').some((t) => t.trim().toLowerCase() === 'upgrade'))
        ),
    ),
  },
  {
    id: 'upgrade-body',
    why: 'an upgrade request with a body does not switch protocols after it (and a chunked one has no body)',
    head: true,
    test: message((_m, h, kind) => kind === 'request' && h.upgrade && h.bodyKind !== 'none'),
  },
  {
    id: 'te-list',
    why: 'chunked is recognised only as the whole value of the last Transfer-Encoding field',
    head: true,
    test: message(
      (m, h) => h.bodyKind === 'chunked' && field(m, 'transfer-encoding').at(-1)?.trim().toLowerCase() !== 'chunked',
    ),
  },
];
const RULES: Record<PeerName, Rule[]> = { llhttp: LLHTTP_DIFFERS, hpj: HPJ_QUIRKS };

interface Cut {
  at: number;
  rule: Rule;
}
/** The first place where one of `rules`' shapes holds. */
function cutOf(r: Reading, rules: Rule[]): Cut | null {
  for (let i = 0; i <= r.o.messages.length; i++) {
    for (const rule of rules) if (rule.test(r, i)) return { at: i, rule };
  }
  return null;
}
/** The messages before the cut, and the head at it when that still agrees. */
const upTo = (r: Result, cut: Cut, d: Decode) =>
  JSON.stringify([
    r.messages.slice(0, cut.at).map((m) => view(m, d)),
    cut.rule.head && cut.at < r.messages.length ? headView(r.messages[cut.at], d) : null,
  ]);

const isCtl = (c: number) => (c < 0x20 && c !== 0x09) || c === 0x7f;
/** The text from the last LF before `offset` up to it. */
function lineBefore(input: Uint8Array, offset: number): string {
  let s = offset;
  while (s > 0 && input[s - 1] !== 0x0a) s--;
  return text(input.subarray(s, offset));
}

/** What llhttp accepts and we refuse: by design, or a peer bug (README "Conformance and divergences"). */
const REFUSED: { id: string; why: string; test: (input: Uint8Array, e: Http1Error, kind: Kind, o: Ours) => boolean }[] =
  [
    {
      id: 'reason-ctl',
      why: 'a control byte in the reason phrase (RFC 9112 §4); llhttp takes any byte but CR and LF',
      test: (input, e, kind) => kind === 'response' && e.code === E.INVALID_STATUS && isCtl(input[e.offset]),
    },
    {
      id: 'request-line-sp',
      why: 'more than one SP between the parts of the request line (RFC 9112 §3)',
      test: (input, e, kind) =>
        kind === 'request' &&
        (e.code === E.INVALID_URL || e.code === E.INVALID_CONSTANT) &&
        input[e.offset] === 0x20 &&
        input[e.offset - 1] === 0x20,
    },
    {
      id: 'http09-lf',
      why: 'a bare LF after an HTTP/0.9 request line',
      test: (input, e, kind) =>
        kind === 'request' && e.code === E.BARE_LF && /^[\r\n]*[!-~]+ [!-~]+$/.test(lineBefore(input, e.offset)),
    },
    {
      id: 'chunked-twice',
      why: 'chunked applied twice in a response (RFC 9112 §6.1); llhttp refuses it only in requests',
      test: (_input, e, kind) =>
        kind === 'response' && e.code === E.INVALID_TRANSFER_ENCODING && /more than once/.test(e.message),
    },
    {
      id: 'te-http10-closes',
      why: 'Transfer-Encoding in an HTTP/1.0 message closes the connection after it (RFC 9112 §6.1)',
      test: (_input, e, _kind, o) => {
        const m = o.messages.at(-1);
        return e.code === E.CLOSED_CONNECTION && m?.version === '1.0' && field(m, 'transfer-encoding').length > 0;
      },
    },
    {
      id: 'framing-ows',
      why:
        'HTAB after a framing element is OWS to us and to llhttp 9.4 (`chunked\\t, chunked` is chunked twice, ' +
        '`close\\t` closes, `chunked,` is chunked); llhttp 9.3.1 (Node 20) reads none of these so, and frames on apart',
      // The shape in a head we read (what follows it is framed apart), or on the line we refused.
      test: (input, e, _kind, o) =>
        o.heads.some((h) => framingOws(h.raw)) ||
        framingOws(input.subarray(0, input.indexOf(0x0a, e.offset) + 1 || input.length)),
    },
    {
      id: 'status-cr-cr',
      why: 'a status line ended by CR CR (llhttp bug: after the CR it takes CR or LF)',
      test: (input, e, kind) =>
        kind === 'response' &&
        e.code === E.BARE_CR &&
        input[e.offset] === 0x0d &&
        /^\r*[A-Z]+\/\d\.\d \d{3}( [^\r\n]*)?\r$/.test(lineBefore(input, e.offset)),
    },
  ];
const refusedWhy = (input: Uint8Array, o: Ours, kind: Kind) =>
  REFUSED.find((d) => d.test(input, o.error as Http1Error, kind, o))?.why ?? null;

// --- The laws ---

class Tally {
  /** Inputs we accepted, compared (ended and left open count apart). */
  compared = 0;
  readonly known = new Map<string, number>();
  note(why: string): void {
    this.known.set(why, (this.known.get(why) ?? 0) + 1);
  }
  toString(): string {
    const known = [...this.known].map(([why, n]) => `${n} × ${why}`).join('; ');
    return `${this.compared} compared${known === '' ? '' : `; ${known}`}`;
  }
}

const show = (input: Uint8Array) => JSON.stringify(text(input));

/**
 * Ours accepted: the peer gives the same messages (`whole`), or, from the
 * first place one of its documented shapes holds, may differ.
 */
function matches(r: Reading, name: PeerName, p: Result, whole: () => void, label: string, tally: Tally): void {
  tally.compared++;
  try {
    whole();
  } catch (failure) {
    const cut = cutOf(r, RULES[name]);
    if (cut === null) throw failure;
    tally.note(cut.rule.why);
    expect(upTo(p, cut, latin1), `${label} (${cut.rule.why})`).toBe(upTo(r.o, cut, DECODE[name]));
  }
}

/** Valid input: the peer gives exactly our messages. */
function same(kind: Kind, name: PeerName, input: Uint8Array, tally: Tally): void {
  const o = parsers[kind].ours(input, true);
  const p = parsers[kind][name](input, true);
  expect(o.rejected, `we reject a valid ${kind}: ${show(input)}: ${o.error?.message}`).toBe(false);
  const label = `${name}: ${show(input)}`;
  matches({ kind, input, o }, name, p, () => expect(key(p), label).toBe(key(o, DECODE[name])), label, tally);
}

/** Mutated input: whatever we accept, the peer accepts with the same messages (see the file's comment). */
function agrees(kind: Kind, name: PeerName, input: Uint8Array, end: boolean, tally: Tally): void {
  const label = `${name}, input ${end ? 'ended' : 'open'}: ${show(input)}`;
  const o = parsers[kind].ours(input, end);
  const p = parsers[kind][name](input, end);
  if (o.error !== null) {
    if (name === 'llhttp' && !p.rejected) {
      const why = refusedWhy(input, o, kind);
      expect(why, `llhttp accepts what we reject (${o.error.code} at ${o.error.offset}): ${label}`).not.toBeNull();
      tally.note(why as string);
    }
    return;
  }
  const d = DECODE[name];
  matches(
    { kind, input, o },
    name,
    p,
    () => {
      if (end) {
        expect(key(p), label).toBe(key(o, d));
        return;
      }
      const want = completed(o, d);
      const got = completed(p);
      expect(got.slice(0, want.length), label).toEqual(want);
      if (got.length > want.length) {
        expect(parsers[kind].ours(input, true).rejected, `${label}: ${name} completes a message we accept`).toBe(true);
      }
    },
    label,
    tally,
  );
}

// --- Inputs ---

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,10}$/);
const value = fc.stringMatching(/^([!-~]([ !-~]{0,16}[!-~])?)?$/);
/** Fields other than the ones the framing chooses. */
const fields = fc
  .array(fc.tuple(token, value), { maxLength: 5 })
  .map((hs) =>
    hs.filter(
      ([n]) => !['content-length', 'transfer-encoding', 'connection', 'upgrade', 'expect'].includes(n.toLowerCase()),
    ),
  );
const latin1Bytes = (s: string) => bytes(s);
const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

const requests = fc
  .tuple(
    fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'),
    fc.stringMatching(/^\/[!-~]{0,16}$/),
    fields,
    fc.oneof(
      fc.record({ body: fc.string({ maxLength: 20 }) }),
      fc.record({ chunks: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }) }),
      fc.constant({}),
    ),
  )
  .map(([method, url, headers, b]) => serializeRequest({ method, url, headers, ...b }));

const reason = fc.oneof(fc.constant(''), value);
const bodyStatus = fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304);
/** A response framed by Content-Length or chunked (with trailers): anything may follow it. */
const framedResponse = fc
  .tuple(
    bodyStatus,
    reason,
    fields,
    fc.oneof(
      fc.record({ body: fc.string({ maxLength: 20 }) }),
      fc.record({
        chunks: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
        trailers: fc.array(fc.tuple(token, value), { maxLength: 2 }),
      }),
    ),
  )
  .map(([status, reason, headers, b]) => serializeResponse({ status, reason, headers, ...b }));
/** 1xx (not 101), 204 and 304: no body; a 304 may carry the Content-Length of the representation (RFC 9110 §8.6). */
const bodilessResponse = fc
  .tuple(fc.constantFrom(100, 102, 103, 204, 304), reason, fields, fc.option(fc.nat({ max: 20 }), { nil: undefined }))
  .map(([status, reason, headers, n]) =>
    serializeResponse({
      status,
      reason,
      headers: status === 304 && n !== undefined ? [...headers, ['Content-Length', String(n)]] : headers,
    }),
  );
/** A body without a length: read until the input ends. */
const closeDelimited = fc
  .tuple(bodyStatus, reason, fields, fc.constantFrom('1.1', '1.0'), fc.string({ maxLength: 20 }))
  .map(([status, reason, headers, version, body]) =>
    concat([serializeResponse({ status, reason, headers, version: version as '1.1' | '1.0' }), latin1Bytes(body)]),
  );
/** 101 Switching Protocols, then bytes of the next protocol. */
const switching = fc.tuple(fields, fc.string({ maxLength: 12 })).map(([headers, next]) =>
  concat([
    serializeResponse({
      status: 101,
      reason: 'Switching Protocols',
      headers: [['Upgrade', 'x'], ['Connection', 'upgrade'], ...headers],
    }),
    latin1Bytes(next),
  ]),
);
/** Up to two keep-alive responses, then one that may end the connection. */
const responses = fc
  .tuple(
    fc.array(fc.oneof(framedResponse, bodilessResponse), { maxLength: 2 }),
    fc.oneof(framedResponse, bodilessResponse, closeDelimited, switching),
  )
  .map(([first, last]) => concat([...first, last]));

const INPUTS: Record<Kind, fc.Arbitrary<Uint8Array>> = { request: requests, response: responses };

/**
 * The framing fields (Content-Length, Transfer-Encoding, Connection, Upgrade)
 * with SP and HTAB around their tokens and commas, empty list elements, then
 * bytes that read as a body either way and a next message: where whitespace
 * decides the framing, a mutation rarely lands.
 */
const ows = fc.constantFrom('', ' ', '\t', ' \t', '\t ');
const separator = fc.constantFrom(',', ', ', ' ,', ',\t', '\t,', ',,');
const list = (tokens: string[]) =>
  fc
    .tuple(ows, fc.array(fc.constantFrom(...tokens), { minLength: 1, maxLength: 3 }), separator, fc.boolean(), ows)
    .map(([lead, ts, sep, comma, trail]) => lead + ts.join(sep) + (comma ? sep : '') + trail);
const framingFields = fc
  .tuple(
    fc.option(fc.tuple(ows, fc.constantFrom('0', '2', '02', '16'), ows), { nil: undefined }),
    fc.array(list(['chunked', 'gzip', 'identity']), { maxLength: 2 }),
    fc.option(list(['close', 'keep-alive', 'upgrade', 'x']), { nil: undefined }),
    fc.boolean(),
  )
  .map(([cl, tes, connection, upgrade]) => {
    let out = cl === undefined ? '' : `Content-Length:${cl.join('')}\r\n`;
    for (const te of tes) out += `Transfer-Encoding:${te}\r\n`;
    if (connection !== undefined) out += `Connection:${connection}\r\n`;
    if (upgrade) out += 'Upgrade: x\r\n';
    return out;
  });
const framingBody = fc.constantFrom('', 'ab', '2\r\nab\r\n0\r\n\r\n', '10\r\n0123456789abcdef\r\n0\r\n\r\n');
const REFRAMED: Record<Kind, fc.Arbitrary<Uint8Array>> = {
  request: fc
    .tuple(fc.constantFrom('1.1', '1.0'), framingFields, framingBody)
    .map(([v, f, b]) => bytes(`POST / HTTP/${v}\r\n${f}\r\n${b}GET /next HTTP/1.1\r\n\r\n`)),
  response: fc
    .tuple(fc.constantFrom('1.1', '1.0'), fc.constantFrom(200, 101), framingFields, framingBody)
    .map(([v, s, f, b]) => bytes(`HTTP/${v} ${s} OK\r\n${f}\r\n${b}HTTP/1.1 204 No Content\r\n\r\n`)),
};
const RUNS = {
  request: {
    valid: { seed: 11, numRuns: 300 },
    mutated: { seed: 12, numRuns: 1500 },
    reframed: { seed: 13, numRuns: 500 },
  },
  response: {
    valid: { seed: 21, numRuns: 300 },
    mutated: { seed: 22, numRuns: 1500 },
    reframed: { seed: 23, numRuns: 500 },
  },
};

describe.each(['request', 'response'] as const)('differential (%ss): Node llhttp and http-parser-js', (kind) => {
  it(`valid ${kind}s: the same messages from all three parsers`, () => {
    const tally = { llhttp: new Tally(), hpj: new Tally() };
    fc.assert(
      fc.property(INPUTS[kind], (input) => {
        same(kind, 'llhttp', input, tally.llhttp);
        same(kind, 'hpj', input, tally.hpj);
      }),
      RUNS[kind].valid,
    );
    console.log(`differential (valid ${kind}s): llhttp: ${tally.llhttp}\n  http-parser-js: ${tally.hpj}`);
    expect(tally.llhttp.known.size).toBe(0);
  });

  it(`mutated ${kind}s: whatever we accept, llhttp and http-parser-js accept with the same messages`, () => {
    const tally = { llhttp: new Tally(), hpj: new Tally() };
    fc.assert(
      fc.property(mutated(INPUTS[kind]), (input) => {
        for (const end of [true, false]) {
          agrees(kind, 'llhttp', input, end, tally.llhttp);
          agrees(kind, 'hpj', input, end, tally.hpj);
        }
      }),
      RUNS[kind].mutated,
    );
    console.log(`differential (mutated ${kind}s): llhttp: ${tally.llhttp}\n  http-parser-js: ${tally.hpj}`);
    expect(tally.llhttp.compared).toBeGreaterThan(RUNS[kind].mutated.numRuns / 4);
  });

  it(`${kind}s with whitespace in the framing fields: whatever we accept, llhttp and http-parser-js accept alike`, () => {
    const tally = { llhttp: new Tally(), hpj: new Tally() };
    fc.assert(
      fc.property(REFRAMED[kind], (input) => {
        for (const end of [true, false]) {
          agrees(kind, 'llhttp', input, end, tally.llhttp);
          agrees(kind, 'hpj', input, end, tally.hpj);
        }
      }),
      RUNS[kind].reframed,
    );
    console.log(`differential (framing whitespace, ${kind}s): llhttp: ${tally.llhttp}\n  http-parser-js: ${tally.hpj}`);
    // Most of these inputs are refused (Content-Length with Transfer-Encoding, say): a tenth must still be compared.
    expect(tally.llhttp.compared).toBeGreaterThan(RUNS[kind].reframed.numRuns / 10);
  });
});

describe('differential: the documented differences are real', () => {
  /** The rule that explains how `name` reads `s` (ended), and whether it does read it differently. */
  function classify(kind: Kind, name: PeerName, s: string) {
    const input = bytes(s);
    const o = parsers[kind].ours(input, true);
    const p = parsers[kind][name](input, true);
    if (o.error !== null)
      return { id: REFUSED.find((d) => d.test(input, o.error as Http1Error, kind, o))?.id, differs: !p.rejected };
    return { id: cutOf({ kind, input, o }, RULES[name])?.rule.id, differs: key(p) !== key(o, DECODE[name]) };
  }

  it.each([
    ['reason-ctl', 'response', 'HTTP/1.1 200 O\x01K\r\n\r\n'],
    ['request-line-sp', 'request', 'GET  / HTTP/1.1\r\n\r\n'],
    ['request-line-sp', 'request', 'GET /  HTTP/1.1\r\n\r\n'],
    ['http09-lf', 'request', 'GET /\n\r\n'],
    [
      'chunked-twice',
      'response',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    ['chunked-twice', 'response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n'],
    ['status-cr-cr', 'response', 'HTTP/1.1 200 OK\r\rX: a\r\nContent-Length: 0\r\n\r\n'],
    [
      'te-http10-closes',
      'response',
      'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n0\r\n\r\nHTTP/1.1 204 OK\r\n\r\n',
    ],
  ] as const)('llhttp accepts, we refuse: %s: %s %j', (id, kind, s) => {
    expect(classify(kind, 'llhttp', s)).toEqual({ id, differs: true });
  });

  it('llhttp reads a body after a 1xx that is not 100-103; we do not', () => {
    // The body llhttp reads is a whole response to us.
    const s = 'HTTP/1.1 150 X\r\nContent-Length: 19\r\n\r\nHTTP/1.1 204 OK\r\n\r\n';
    expect(classify('response', 'llhttp', s)).toEqual({ id: '1xx-body', differs: true });
    expect(parsers.response.llhttp(bytes(s), true).messages.map((m) => m.body)).toEqual(['HTTP/1.1 204 OK\r\n\r\n']);
  });

  it.each([
    ['request', 'POST / HTTP/1.1\r\nContent-Length: 2\t\r\n\r\nab'],
    ['response', 'HTTP/1.1 200 OK\r\nContent-Length: 2\t\r\n\r\nab'],
    ['request', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n'],
    ['response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\t\r\n\r\n1\r\na\r\n0\r\n\r\n'],
    ['response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked,\r\n\r\n1\r\na\r\n0\r\n\r\n'],
    ['request', 'GET / HTTP/1.0\r\nConnection: keep-alive\t\r\n\r\nGET / HTTP/1.1\r\n\r\n'],
    ['request', 'GET / HTTP/1.1\r\nConnection: upgrade\t\r\nUpgrade: x\r\n\r\nGET / HTTP/1.1\r\n\r\n'],
  ] as const)(
    'Node 20 llhttp 9.3.1 reads HTAB after a framing element apart from us (framing-ows): %s %j',
    (kind, s) => {
      expect(classify(kind, 'llhttp', s)).toEqual({ id: 'framing-ows', differs: true });
    },
  );

  it('llhttp 9.4 (the conformance cases) reads HTAB around framing elements as we do', () => {
    // The conformance data's own cases "Tabs in `Content-Length` (surrounding)" and "`close` followed by tab".
    expect(
      parsers.request.ours(bytes('POST / HTTP/1.1\r\nContent-Length:\t42\t  \r\n\r\n'), false).heads[0].contentLength,
    ).toBe(42);
    expect(
      parsers.request.ours(bytes('PUT /url HTTP/1.1\r\nConnection: close\t\r\n\r\n'), false).heads[0].keepAlive,
    ).toBe(false);
  });

  it.each([
    ['http09', 'request', 'GET /\r\n\r\n'],
    ['method', 'request', 'QUERY / HTTP/1.1\r\n\r\n'],
    ['protocol', 'response', 'RTSP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'],
    ['stray-cr', 'response', '\rHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
    ['stray-cr', 'request', 'GET / HTTP/1.1\r\n\r\n\r\r\n'],
    ['obs-crlf-head', 'request', 'GET / HTTP/1.1\r\nX: a\x8db\r\n\r\n'],
    ['obs-crlf-head', 'response', 'HTTP/1.1 200 OK\r\nX: a\x8ab\r\nContent-Length: 0\r\n\r\n'],
    ['obs-crlf-trailers', 'request', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\x8db\r\n\r\n'],
    ['obs-framing', 'response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunk\xe5d\r\n\r\n0\r\n\r\n'],
    ['no-body-status', 'response', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 19\r\n\r\nHTTP/1.1 204 OK\r\n\r\n'],
    ['no-body-status', 'response', 'HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['101', 'response', 'HTTP/1.1 101 Switching Protocols\r\n\r\nHTTP/1.1 204 OK\r\n\r\n'],
    [
      'upgrade-body',
      'request',
      'POST / HTTP/1.1\r\nContent-Length: 2\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\nabGET / HTTP/1.1\r\n\r\n',
    ],
    ['te-list', 'request', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'],
  ] as const)('http-parser-js quirk: %s: %s %j', (id, kind, s) => {
    expect(classify(kind, 'hpj', s)).toEqual({ id, differs: true });
  });

  it('http-parser-js clears bit 7 of obs-text, trimming what becomes SP or HTAB (compared so decoded)', () => {
    const input = bytes('HTTP/1.1 200 caf\xe9\r\nX: na\xefve\xa0\r\nY: \x89a\r\nContent-Length: 0\r\n\r\n');
    const p = parsers.response.hpj(input, true);
    expect([p.messages[0].reason, p.messages[0].headers]).toEqual([
      'cafi',
      [
        ['X', 'naove'],
        ['Y', 'a'],
        ['Content-Length', '0'],
      ],
    ]);
    expect(key(p)).toBe(key(parsers.response.ours(input, true), ascii));
  });
});
