/**
 * Writing heads fast: the start line and fields as one latin1 string, every
 * name and value checked so that nothing can carry a line ending into the
 * output (response splitting). The checks are two precompiled regexes a
 * field; the body is copied once, next to its head, so a small message is one
 * write.
 *
 * Why not `@wiremachine/protocols/http1`'s serializer: that one turns a whole
 * message object into bytes (tests, round-trip laws, tools). The server and
 * the client write as they go: fields set one at a time and checked then,
 * a Date field, bodies streamed chunk by chunk after the head is sent, and
 * strings built for a single socket write. They share the rules (RFC 9110
 * tokens and field values), not the shape of the work.
 *
 * @module
 */
import { STATUS_CODES } from 'node:http';
import { ErrorCode, WiremachineError } from '@wiremachine/core';

/** Field lines: `[name, value]` pairs in order, or a record (arrays give repeated fields). */
export type HeadersInit = readonly (readonly [string, string])[] | Record<string, string | number | readonly string[]>;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function invalid(message: string): never {
  throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, message);
}

/**
 * Field names already checked, with their lowercase forms. A server sets the
 * same few names on every response; the map is bounded so that names made
 * from input cannot grow it without limit.
 */
const knownNames = new Map<string, string>();
const KNOWN_NAMES_MAX = 512;

/** `name` lowercased, after checking that it is a token (cached for the names seen most). */
export function lowerName(name: string): string {
  let lower = knownNames.get(name);
  if (lower === undefined) {
    if (!TOKEN.test(name)) invalid(`invalid field name ${JSON.stringify(name)}`);
    lower = name.toLowerCase();
    if (knownNames.size < KNOWN_NAMES_MAX) knownNames.set(name, lower);
  }
  return lower;
}

/** `name: value\r\n`, checked (RFC 9110 §5.1, §5.5). */
export function fieldLine(name: string, value: string): string {
  lowerName(name); // checks the name (once per name, through the cache)
  if (!VALUE.test(value)) invalid(`invalid value for field ${name}: ${JSON.stringify(value)}`);
  return `${name}: ${value}\r\n`;
}

/** Calls `each(name, value)` for every field line of `headers`. */
export function forEachHeader(headers: HeadersInit | undefined, each: (name: string, value: string) => void): void {
  if (headers === undefined) return;
  if (Array.isArray(headers)) {
    for (const [n, v] of headers as readonly (readonly [string, string])[]) each(n, v);
    return;
  }
  for (const n of Object.keys(headers)) {
    const v = (headers as Record<string, string | number | readonly string[]>)[n];
    if (Array.isArray(v)) for (const x of v as readonly string[]) each(n, x);
    else each(n, String(v));
  }
}

/** The reason phrase of `status` (`""` when none is known). */
export function reasonOf(status: number): string {
  return STATUS_CODES[status] ?? '';
}

const standardLines = new Map<number, string>();

/** `HTTP/1.1 200 OK\r\n` with the standard reason, made once per status. */
export function standardStatusLine(status: number): string {
  let line = standardLines.get(status);
  if (line === undefined) {
    line = statusLine(status, reasonOf(status));
    standardLines.set(status, line);
  }
  return line;
}

/** `HTTP/1.1 200 OK\r\n`, checked. */
export function statusLine(status: number, reason: string): string {
  if (!Number.isInteger(status) || status < 100 || status > 999) invalid(`status ${status} is not 3 digits`);
  if (!VALUE.test(reason)) invalid(`invalid reason phrase ${JSON.stringify(reason)}`);
  return `HTTP/1.1 ${status} ${reason}\r\n`;
}

/** `GET /path HTTP/1.1\r\n`, checked. */
export function requestLine(method: string, target: string): string {
  if (!TOKEN.test(method)) invalid(`invalid method ${JSON.stringify(method)}`);
  if (!/^[\x21-\x7e\x80-\xff]+$/.test(target)) invalid(`invalid request target ${JSON.stringify(target)}`);
  return `${method} ${target} HTTP/1.1\r\n`;
}

/** A body given whole: bytes, or a string sent as UTF-8. */
export type BodyInit = Uint8Array | string;

/** Its length in bytes. */
export function bodyLength(body: BodyInit): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.length;
}

/** `head` (latin1) and `body` in one buffer. */
export function encodeMessage(head: string, body?: BodyInit, bodySize = body === undefined ? 0 : bodyLength(body)) {
  const headSize = head.length;
  const out = Buffer.allocUnsafe(headSize + bodySize);
  out.write(head, 0, headSize, 'latin1');
  if (body !== undefined && bodySize > 0) {
    if (typeof body === 'string') out.write(body, headSize, bodySize, 'utf8');
    else out.set(body, headSize);
  }
  return out;
}

/** One chunk of a chunked body, with its size line and CRLF (RFC 9112 §7.1). */
export function encodeChunk(data: BodyInit): Buffer {
  const size = bodyLength(data);
  const line = `${size.toString(16)}\r\n`;
  const out = Buffer.allocUnsafe(line.length + size + 2);
  out.write(line, 0, line.length, 'latin1');
  if (typeof data === 'string') out.write(data, line.length, size, 'utf8');
  else out.set(data, line.length);
  out[line.length + size] = 13;
  out[line.length + size + 1] = 10;
  return out;
}

/** The last chunk, with trailer fields when given. */
export function lastChunk(trailers?: HeadersInit): Buffer {
  let s = '0\r\n';
  forEachHeader(trailers, (n, v) => {
    s += fieldLine(n, v);
  });
  return Buffer.from(`${s}\r\n`, 'latin1');
}

let dateText = '';
let dateAt = 0;

/** The `Date` field value (RFC 9110 §6.6.1), made at most once a second. */
export function httpDate(): string {
  const now = Date.now();
  if (now - dateAt >= 1000) {
    dateAt = now - (now % 1000);
    dateText = new Date(dateAt).toUTCString();
  }
  return dateText;
}
