/**
 * Byte tables, methods, well-known field names and default limits of HTTP/1.x
 * (RFC 9110 §5.6.2 tokens, RFC 9112 §3 request line, §5 field syntax).
 *
 * @module
 */

/** Default limits. Each is an option of the parser machines. */
export const DEFAULT_LIMITS = {
  /** Whole head (start line, fields, blank line): 16 KiB, Node's `--max-http-header-size`. */
  maxHeadSize: 16 * 1024,
  /** Field lines in one head or trailer section. */
  maxHeaders: 128,
  /** Request target; longer gets `URI_TOO_LONG` (414). */
  maxUrlLength: 8 * 1024,
  /** Chunk-extension bytes in one message: 16 KiB, as Node after CVE-2024-22019. */
  maxChunkExtensionsSize: 16 * 1024,
  /** Body bytes of one message (Content-Length or the sum of chunks). */
  maxBodySize: Number.POSITIVE_INFINITY,
} as const;

/** Chunk data up to this size (with its CRLF) is taken in one read; larger chunks stream. */
export const SMALL_CHUNK = 8 * 1024;

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;

function table(pred: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = pred(c) ? 1 : 0;
  return t;
}

const TCHAR_EXTRA = "!#$%&'*+-.^_`|~";
/** tchar (RFC 9110 §5.6.2). */
export const TOKEN = table(
  (c) =>
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    TCHAR_EXTRA.includes(String.fromCharCode(c)),
);
/** Request-target bytes: visible ASCII (RFC 3986 characters and the ones llhttp tolerates). */
export const URL_CHAR = table((c) => c > 0x20 && c < 0x7f);
/** field-vchar, SP and HTAB (RFC 9110 §5.5): visible ASCII and obs-text. */
export const VALUE_CHAR = table((c) => c === HTAB || (c >= 0x20 && c !== 0x7f));
/** Relaxed field values: anything but NUL, CR and LF. */
export const VALUE_RELAXED = table((c) => c !== 0 && c !== CR && c !== LF);
/** Hex digit values, -1 elsewhere. */
export const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

/** Method classes: which protocol names a method may be used with. */
export const HTTP = 1;
export const RTSP = 2;
export const ICE = 4;

/**
 * The methods llhttp (and so Node) accepts, with the protocols each may use.
 * Anything else is `INVALID_METHOD` unless `allowUnknownMethods` is set.
 */
export const METHODS: Readonly<Record<string, number>> = {
  DELETE: HTTP,
  GET: HTTP | RTSP,
  HEAD: HTTP,
  POST: HTTP | RTSP,
  PUT: HTTP,
  CONNECT: HTTP,
  OPTIONS: HTTP | RTSP,
  TRACE: HTTP,
  COPY: HTTP,
  LOCK: HTTP,
  MKCOL: HTTP,
  MOVE: HTTP,
  PROPFIND: HTTP,
  PROPPATCH: HTTP,
  SEARCH: HTTP,
  UNLOCK: HTTP,
  BIND: HTTP,
  REBIND: HTTP,
  UNBIND: HTTP,
  ACL: HTTP,
  REPORT: HTTP,
  MKACTIVITY: HTTP,
  CHECKOUT: HTTP,
  MERGE: HTTP,
  'M-SEARCH': HTTP,
  NOTIFY: HTTP,
  SUBSCRIBE: HTTP,
  UNSUBSCRIBE: HTTP,
  PATCH: HTTP,
  PURGE: HTTP,
  MKCALENDAR: HTTP,
  LINK: HTTP,
  UNLINK: HTTP,
  SOURCE: HTTP | ICE,
  PRI: HTTP,
  QUERY: HTTP,
  DESCRIBE: RTSP,
  ANNOUNCE: RTSP,
  SETUP: RTSP,
  PLAY: RTSP,
  PAUSE: RTSP,
  TEARDOWN: RTSP,
  GET_PARAMETER: RTSP,
  SET_PARAMETER: RTSP,
  REDIRECT: RTSP,
  RECORD: RTSP,
  FLUSH: RTSP,
};

/** Field names handed out as constant strings when the bytes match one of these spellings exactly. */
const COMMON_FIELDS = [
  'Host',
  'User-Agent',
  'Accept',
  'Accept-Encoding',
  'Accept-Language',
  'Accept-Charset',
  'Accept-Ranges',
  'Age',
  'Authorization',
  'Cache-Control',
  'Connection',
  'Content-Encoding',
  'Content-Language',
  'Content-Length',
  'Content-Type',
  'Cookie',
  'Date',
  'ETag',
  'Expect',
  'Expires',
  'If-Match',
  'If-Modified-Since',
  'If-None-Match',
  'Keep-Alive',
  'Last-Modified',
  'Location',
  'Origin',
  'Pragma',
  'Referer',
  'Server',
  'Set-Cookie',
  'Transfer-Encoding',
  'Upgrade',
  'Vary',
  'Via',
  'X-Forwarded-For',
  'X-Requested-With',
  'Sec-Fetch-Dest',
  'Sec-Fetch-Mode',
  'Sec-Fetch-Site',
  'Upgrade-Insecure-Requests',
  'DNT',
  'Proxy-Connection',
  'Proxy-Authorization',
  'WWW-Authenticate',
  'Content-Disposition',
  'Content-Range',
  'Range',
  'If-Range',
  'If-Unmodified-Since',
  'Forwarded',
  'X-Forwarded-Proto',
  'X-Forwarded-Host',
  'Access-Control-Allow-Origin',
  'Strict-Transport-Security',
  'X-Content-Type-Options',
  'X-Frame-Options',
  'Retry-After',
  'Allow',
  'Link',
  'TE',
  'Trailer',
  'Sec-WebSocket-Key',
  'Sec-WebSocket-Version',
  'Sec-WebSocket-Accept',
  'Sec-WebSocket-Protocol',
  'Sec-WebSocket-Extensions',
];

export interface ConstString {
  readonly bytes: Uint8Array;
  readonly text: string;
}

function bytesOf(s: string): Uint8Array {
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
}

function byLength(words: readonly string[]): ConstString[][] {
  const out: ConstString[][] = [];
  for (const w of words) {
    const list = out[w.length] ?? [];
    list.push({ bytes: bytesOf(w), text: w });
    out[w.length] = list;
  }
  return out;
}

/** Numbers kept per field line: name start and end, value start and end, and the name's id (see {@link fieldNameId}) or -1. */
export const LINE = 5;

/** What a field name means to the parser's framing and connection decisions (see {@link FIELD_KIND}). */
export const FieldKind = {
  /** Any other field. */
  OTHER: 0,
  CONTENT_LENGTH: 1,
  TRANSFER_ENCODING: 2,
  /** `Connection`, or `Proxy-Connection` (read alike, as llhttp does). */
  CONNECTION: 3,
  UPGRADE: 4,
  EXPECT: 5,
} as const;

const KIND_OF: Readonly<Record<string, number>> = {
  'content-length': FieldKind.CONTENT_LENGTH,
  'transfer-encoding': FieldKind.TRANSFER_ENCODING,
  connection: FieldKind.CONNECTION,
  'proxy-connection': FieldKind.CONNECTION,
  upgrade: FieldKind.UPGRADE,
  expect: FieldKind.EXPECT,
};

// Common field names (canonical and lower-case spellings) in a hash table keyed by length, first and last byte: one or two candidates to
// compare (a list by length alone holds up to 16 for some lengths).
const NAME_SLOTS = 512;
/** First name id of each slot, -1 for none. @internal */
export const NAME_FIRST = new Int16Array(NAME_SLOTS).fill(-1);
/** Next name id in the same slot, -1 for none. @internal */
export const NAME_NEXT: number[] = [];
/** The bytes of each name id. @internal */
export const NAME_BYTES: Uint8Array[] = [];
/** The bytes of each name id as little-endian 32-bit words (the whole words only), for comparing four at a time. @internal */
export const NAME_WORDS: Int32Array[] = [];
/** The text of each name id: a constant handed out for a name spelled exactly so. */
export const FIELD_NAMES: string[] = [];
const fieldKinds: number[] = [];

/** The slot of a name of `length` bytes whose first and last bytes are `first` and `last`. @internal */
export function nameSlot(length: number, first: number, last: number): number {
  return (length * 61 + first * 7 + last * 3) & (NAME_SLOTS - 1);
}

for (const w of [...COMMON_FIELDS, ...COMMON_FIELDS.map((n) => n.toLowerCase())]) {
  const slot = nameSlot(w.length, w.charCodeAt(0), w.charCodeAt(w.length - 1));
  NAME_NEXT.push(NAME_FIRST[slot]);
  NAME_FIRST[slot] = FIELD_NAMES.length;
  const b = bytesOf(w);
  NAME_BYTES.push(b);
  NAME_WORDS.push(new Int32Array(b.buffer, 0, b.length >> 2));
  FIELD_NAMES.push(w);
  fieldKinds.push(KIND_OF[w.toLowerCase()] ?? FieldKind.OTHER);
}
/** The {@link FieldKind} of each name id. */
export const FIELD_KIND = Uint8Array.from(fieldKinds);

// The common names of up to 15 bytes (most) again, as four little-endian 32-bit words each, zero past the name,
// in a hash table keyed by the first two words and the length: the scanner finds such a name from the words it
// read to find the name's end, with one or two entries to compare.
const SHORT_SLOTS = 1024;
/** Names up to this long are in the short table. @internal */
export const SHORT_NAME = 15;
/** First name id of each short slot, -1 for none. @internal */
export const SHORT_FIRST = new Int16Array(SHORT_SLOTS).fill(-1);
/** Next name id in the same short slot, -1 for none (by name id). @internal */
export const SHORT_NEXT = new Int16Array(FIELD_NAMES.length).fill(-1);
/** A short name's four words (by name id). @internal */
export const SHORT_W0 = new Int32Array(FIELD_NAMES.length);
export const SHORT_W1 = new Int32Array(FIELD_NAMES.length);
export const SHORT_W2 = new Int32Array(FIELD_NAMES.length);
export const SHORT_W3 = new Int32Array(FIELD_NAMES.length);

/** The short slot of a name of `length` bytes whose first two words (zero past the name) are `w0` and `w1`. @internal */
export function shortSlot(w0: number, w1: number, length: number): number {
  return Math.imul(w0 ^ Math.imul(w1, 0x27d4eb2d) ^ length, 0x9e3779b1) >>> 22;
}

for (let k = 0; k < FIELD_NAMES.length; k++) {
  const b = NAME_BYTES[k];
  if (b.length > SHORT_NAME) continue;
  const padded = new Uint8Array(16);
  padded.set(b);
  const w = new Int32Array(padded.buffer);
  SHORT_W0[k] = w[0];
  SHORT_W1[k] = w[1];
  SHORT_W2[k] = w[2];
  SHORT_W3[k] = w[3];
  const slot = shortSlot(w[0], w[1], b.length);
  SHORT_NEXT[k] = SHORT_FIRST[slot];
  SHORT_FIRST[slot] = k;
}

/** The id of the common field name spelled exactly as `buf[start, end)` (canonical or lower-case), or -1. */
export function fieldNameId(buf: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length <= 0) return -1;
  for (let k = NAME_FIRST[nameSlot(length, buf[start], buf[end - 1])]; k >= 0; k = NAME_NEXT[k]) {
    const b = NAME_BYTES[k];
    if (b.length !== length) continue;
    let i = 0;
    while (i < length && buf[start + i] === b[i]) i++;
    if (i === length) return k;
  }
  return -1;
}

/** The common field name spelled exactly as `buf[start, end)` (canonical or lower-case), or `undefined`. */
export function fieldNameOf(buf: Uint8Array, start: number, end: number): string | undefined {
  const k = fieldNameId(buf, start, end);
  return k < 0 ? undefined : FIELD_NAMES[k];
}
/** Method names, by length, each with its class ({@link METHODS}). */
export const METHOD_NAMES: (ConstString & { readonly cls: number })[][] = byLength(Object.keys(METHODS)).map((list) =>
  list.map((m) => ({ ...m, cls: METHODS[m.text] })),
);

/** The constant whose bytes equal `buf[start, start + length)`, or `undefined` (`list` holds constants of that length). */
export function constantOf<T extends ConstString>(
  list: T[] | undefined,
  buf: Uint8Array,
  start: number,
): T | undefined {
  if (list === undefined) return undefined;
  outer: for (let k = 0; k < list.length; k++) {
    const b = list[k].bytes;
    for (let i = 0; i < b.length; i++) if (buf[start + i] !== b[i]) continue outer;
    return list[k];
  }
  return undefined;
}

/** The lenient flags, named as llhttp names them. */
export const LENIENT_FLAGS = [
  'HEADERS',
  'CHUNKED_LENGTH',
  'KEEP_ALIVE',
  'TRANSFER_ENCODING',
  'VERSION',
  'DATA_AFTER_CLOSE',
  'OPTIONAL_LF_AFTER_CR',
  'OPTIONAL_CR_BEFORE_LF',
  'OPTIONAL_CRLF_AFTER_CHUNK',
  'SPACES_AFTER_CHUNK_SIZE',
  'HEADER_VALUE_RELAXED',
] as const;

/** One of llhttp's lenient flags. */
export type LenientFlag = (typeof LENIENT_FLAGS)[number];

/**
 * The names of the HTTP/1 machines' states, as errors report them. Some exist
 * only with some options: `chunkSmall` with strict line endings, `routeChunk`
 * and `routeEnd` with lenient ones. A test checks this list against the
 * machines.
 */
export const HTTP1_STATES = [
  'head',
  'route',
  'fixed',
  'chunkSize',
  'chunkSmall',
  'routeChunk',
  'chunkData',
  'chunkEnd',
  'routeEnd',
  'trailers',
  'routeTrailers',
  'untilClose',
  'complete',
  'closed',
  'upgraded',
  'ended',
] as const;

/** One of {@link HTTP1_STATES}. */
export type Http1StateName = (typeof HTTP1_STATES)[number];
