/**
 * Validators and conditional requests (RFC 9110 §8.8, §13): the entity tag
 * and Last-Modified of a file, the preconditions evaluated in the order
 * §13.2.2 gives, and If-Range (§13.1.5).
 *
 * @module
 */
import type { Stats } from 'node:fs';
import type { Fields } from '@wiremachine/protocols/http1';
import etag from 'etag';
import fresh from 'fresh';
import { parseHttpDate } from './date.js';

/** @internal A file's validators. */
export interface Validators {
  /** The strong entity tag, from the size and the modification time (as nginx and `send` make it). */
  readonly etag: string;
  /** The modification time, to the second, as HTTP-date. */
  readonly lastModified: string;
  /** The modification time, in milliseconds, rounded down to the second (what a date can say). */
  readonly modified: number;
}

/** @internal */
export function validators(stats: Stats): Validators {
  const modified = Math.floor(stats.mtimeMs / 1000) * 1000;
  return { etag: etag(stats, { weak: false }), lastModified: new Date(modified).toUTCString(), modified };
}

/** The entity tags of a list (`"a", W/"b"`), or `'*'`. */
function tags(value: string): string[] | '*' {
  if (value.trim() === '*') return '*';
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** A date field's value in milliseconds, or NaN when it is absent or not one HTTP-date (then it is ignored). */
function date(value: string | undefined): number {
  return value === undefined ? Number.NaN : parseHttpDate(value);
}

/**
 * @internal The preconditions of a GET or HEAD, in the order of RFC 9110
 * §13.2.2: If-Match (strong comparison), else If-Unmodified-Since, failing
 * with 412; then If-None-Match (weak comparison, with the tag of the
 * representation that would be sent), else If-Modified-Since, answered with
 * 304. Returns the status to answer, or 0 to go on.
 */
export function preconditions(headers: Fields, v: Validators, representationTag: string): 0 | 304 | 412 {
  const ifMatch = headers.get('if-match');
  if (ifMatch !== undefined) {
    const list = tags(ifMatch);
    if (list !== '*' && !list.includes(v.etag)) return 412;
  } else {
    const since = date(headers.get('if-unmodified-since'));
    if (!Number.isNaN(since) && v.modified > since) return 412;
  }
  const ifNoneMatch = headers.get('if-none-match');
  const ifModifiedSince = headers.get('if-modified-since');
  if (ifNoneMatch === undefined && ifModifiedSince === undefined) return 0;
  // `fresh` gives If-None-Match precedence over If-Modified-Since (§13.2.2 steps 3 and 4), compares weakly,
  // and treats a request's `Cache-Control: no-cache` as a reload (answered in full).
  const request: Record<string, string> = {};
  if (ifNoneMatch !== undefined) request['if-none-match'] = ifNoneMatch;
  // Given to `fresh` (which reads dates with Date.parse) in the one format it reads the same way.
  const since = date(ifModifiedSince);
  if (!Number.isNaN(since)) request['if-modified-since'] = new Date(since).toUTCString();
  const cacheControl = headers.get('cache-control');
  if (cacheControl !== undefined) request['cache-control'] = cacheControl;
  return fresh(request, { etag: representationTag, 'last-modified': v.lastModified }) ? 304 : 0;
}

/**
 * @internal Whether a Range may be honoured under the request's If-Range
 * (true when there is none): an entity tag must match strongly (a weak tag
 * never does), a date must equal Last-Modified.
 */
export function ifRange(headers: Fields, v: Validators): boolean {
  const value = headers.get('if-range');
  if (value === undefined) return true;
  const trimmed = value.trim();
  if (trimmed.startsWith('"')) return trimmed === v.etag;
  if (trimmed.startsWith('W/')) return false;
  return parseHttpDate(trimmed) === v.modified;
}
