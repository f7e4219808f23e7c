/**
 * Writing HTTP/1.1 messages: start line, fields, and a body that is either
 * fixed-length (Content-Length) or chunked (with trailers). Everything written
 * is checked, so a value cannot smuggle a line ending into the output.
 *
 * @module
 */
import { ErrorCode, WiremachineError } from '@wiremachine/core';
import { TOKEN, URL_CHAR, VALUE_CHAR } from './constants.js';

type Bytes = Uint8Array | string;

/** What request and response messages share. */
interface MessageBase {
  /** `"1.1"` (default) or `"1.0"`. */
  version?: '1.1' | '1.0';
  /** Field lines in order. Content-Length or Transfer-Encoding is added when absent. */
  headers?: readonly (readonly [string, string])[];
  /** A fixed-length body (strings are latin1: one char, one byte). */
  body?: Bytes;
  /** A chunked body, one chunk each (empty ones are skipped: a zero-size chunk ends the body). */
  chunks?: readonly Bytes[];
  /** Trailer fields, after the last chunk (chunked bodies only). */
  trailers?: readonly (readonly [string, string])[];
}

/** A request to serialize. */
export interface RequestMessage extends MessageBase {
  method: string;
  url: string;
}

/** A response to serialize. */
export interface ResponseMessage extends MessageBase {
  status: number;
  /** Default: empty. */
  reason?: string;
}

function invalid(message: string): never {
  throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, message);
}

function check(value: string, table: Uint8Array, what: string, allowEmpty: boolean): void {
  if (!allowEmpty && value.length === 0) invalid(`empty ${what}`);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff || table[c] !== 1) invalid(`${what} ${JSON.stringify(value)} has an invalid character at ${i}`);
  }
}

function latin1Bytes(s: Bytes): Uint8Array {
  if (typeof s !== 'string') return s;
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) invalid('body strings are latin1 (one char, one byte)');
    out[i] = c;
  }
  return out;
}

function fieldLines(fields: readonly (readonly [string, string])[]): string {
  let out = '';
  for (const [name, value] of fields) {
    check(name, TOKEN, 'field name', false);
    check(value, VALUE_CHAR, 'field value', true);
    if (value.length > 0 && (value.charCodeAt(0) <= 0x20 || value.charCodeAt(value.length - 1) <= 0x20)) {
      invalid(`field value ${JSON.stringify(value)} has leading or trailing whitespace`);
    }
    out += `${name}: ${value}\r\n`;
  }
  return out;
}

/** The fields as they will be written: with the framing field added when the message has none. */
export function framedHeaders(m: MessageBase): [string, string][] {
  const headers = (m.headers ?? []).map(([n, v]) => [n, v] as [string, string]);
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name);
  if (m.body !== undefined && m.chunks !== undefined) invalid('a message has a body or chunks, not both');
  if (m.chunks !== undefined) {
    if (!has('transfer-encoding')) headers.push(['Transfer-Encoding', 'chunked']);
  } else if (m.body !== undefined && !has('content-length') && !has('transfer-encoding')) {
    headers.push(['Content-Length', String(m.body.length)]);
  }
  if (m.trailers !== undefined && m.chunks === undefined) invalid('trailers need a chunked body');
  return headers;
}

function serialize(startLine: string, m: MessageBase): Uint8Array {
  const head = latin1Bytes(`${startLine}\r\n${fieldLines(framedHeaders(m))}\r\n`);
  const parts: Uint8Array[] = [head];
  if (m.chunks !== undefined) {
    for (const c of m.chunks) {
      const data = latin1Bytes(c);
      if (data.length === 0) continue;
      parts.push(latin1Bytes(`${data.length.toString(16)}\r\n`), data, latin1Bytes('\r\n'));
    }
    parts.push(latin1Bytes(`0\r\n${fieldLines(m.trailers ?? [])}\r\n`));
  } else if (m.body !== undefined) {
    parts.push(latin1Bytes(m.body));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The bytes of an HTTP/1.x request.
 *
 * @example
 * ```ts
 * serializeRequest({ method: 'POST', url: '/up', headers: [['Host', 'a']], chunks: ['hel', 'lo'], trailers: [['X-Sum', '1']] });
 * ```
 */
export function serializeRequest(m: RequestMessage): Uint8Array {
  check(m.method, TOKEN, 'method', false);
  check(m.url, URL_CHAR, 'request target', false);
  return serialize(`${m.method} ${m.url} HTTP/${m.version ?? '1.1'}`, m);
}

/**
 * The bytes of an HTTP/1.x response.
 *
 * @example
 * ```ts
 * serializeResponse({ status: 200, reason: 'OK', headers: [['Content-Type', 'text/plain']], body: 'hello' });
 * ```
 */
export function serializeResponse(m: ResponseMessage): Uint8Array {
  if (!Number.isInteger(m.status) || m.status < 100 || m.status > 999) invalid(`status ${m.status} is not 3 digits`);
  const reason = m.reason ?? '';
  check(reason, VALUE_CHAR, 'reason phrase', true);
  return serialize(`HTTP/${m.version ?? '1.1'} ${m.status} ${reason}`, m);
}
