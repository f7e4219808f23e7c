/**
 * The HTTP/1.x request and response machines (RFC 9112), as xstate machines
 * run by wiremachine's driver. See README.md for the state diagram.
 *
 * Each waiting state names one read: the whole head in one `until`, chunk-size
 * lines by `until("\r\n")`, bodies by streaming reads. The per-byte work of a
 * head is one pass of the scanner (scan.ts) in the `onHead` action.
 *
 * @module
 */
import {
  bytes,
  type ChunkEvent,
  describeRead,
  emitIf,
  protocolTypes,
  type ReadDoneEvent,
  type ReadRequest,
  regex,
  streamUntilClose,
  until,
} from '@wiremachine/core';
import { emit, setup } from 'xstate';
import type { Http1StateName } from './constants.js';
import * as constants from './constants.js';
import type { Fields } from './fields.js';
import type { MessageHead } from './head.js';
import { type Http1Options, type ResolvedHttp1Options, resolveOptions } from './options.js';
import * as state from './state.js';
import { type ChunkOutput, ParserState } from './state.js';

// Bound in this module, as in scan.ts: optimized code reads an imported binding through its module's cell on
// every use, and takes a constant of the module as its value (the guards below run once a message or a chunk).
const { CR, HEX, LF } = constants;
const { blankEof, Next, readWhole } = state;

/** A piece of body, as it arrived (a zero-copy view: copy it to keep it past the handler). */
export interface BodyOutput {
  type: 'body';
  data: Uint8Array;
}
/** The trailer section of a chunked message (only when it has fields). */
export interface TrailersOutput {
  type: 'trailers';
  trailers: Fields;
}
/** The message is complete. */
export interface EndOutput {
  type: 'end';
}
/** The connection changes protocol: the machine has ended; take `driver.remaining()`. */
export interface UpgradeOutput {
  type: 'upgrade';
}
export type { ChunkOutput };

/**
 * What the machines emit, in order per message: `head`, then `body` pieces
 * (and `chunk` lines with `chunkHeaders`), `trailers`, `end`; `upgrade` last
 * when the connection changes protocol.
 */
export type Http1Output = MessageHead | BodyOutput | ChunkOutput | TrailersOutput | EndOutput | UpgradeOutput;

/** The machines' context: one mutable parser state, owned by the running executor. */
export interface Http1Context {
  parser: ParserState;
}

const END: EndOutput = Object.freeze({ type: 'end' as const });
const UPGRADE: UpgradeOutput = Object.freeze({ type: 'upgrade' as const });

/** A line ending, as the lenient flags allow it, in a regex (for the ambiguous lone CR). */
function eolPattern(o: ResolvedHttp1Options): string {
  return o.crBeforeLf ? '(?:\\r\\n|\\n|\\r(?=[^\\n]))' : '(?:\\r\\n|\\r(?=[^\\n]))';
}

/**
 * The read of a whole head, one per parser. While it waits, the bytes so far
 * are scanned as a partial head (each time they grow fourfold: linear work), so a peer
 * that sends a bad head and never ends it is refused at once, not at the size
 * limit or the end of input. With strict line endings, a head that lies whole
 * in the first buffered chunk is found by the scanner itself (`measure`), in
 * the pass that checks it, with no separate search for its end.
 */
function headRead(o: ResolvedHttp1Options, p: ParserState): ReadRequest {
  const maxBytes = o.maxHeadSize;
  if (o.lfAfterCr) return regex(new RegExp(eolPattern(o) + eolPattern(o)), { maxBytes });
  const validate = (pending: Uint8Array, offset: number) => p.validateHead(pending, offset);
  // The head is parsed as the read completes (its `map`), so the read's transition can take the
  // head's decisions: a message without a body goes straight on to the next head.
  const map = (buf: Uint8Array, start: number, end: number) => p.onHeadRange(buf, start, end);
  if (o.crBeforeLf) return until(['\r\n\r\n', '\n\n', '\n\r\n'], { maxBytes, validate, map });
  // Lenient HEADERS lets a lone CR end a field line: only the delimiter search decides where such a head ends.
  if (o.headers) return until('\r\n\r\n', { maxBytes, validate, map });
  const measure = (buf: Uint8Array, start: number, end: number, offset: number) =>
    p.measureHead(buf, start, end, offset);
  return until('\r\n\r\n', { maxBytes, validate, measure, map });
}

/**
 * The size a chunk-size line starts with (its hex digits), decoded once by the
 * read for the guards that pick the next state; -1 when it has none or too
 * many. The line is checked whole by `onSizeLine`, which runs before that state's read.
 */
function hexPrefix(buf: Uint8Array, start: number, end: number): number {
  let n = 0;
  let i = start;
  for (; i < end; i++) {
    const h = HEX[buf[i]];
    if (h < 0) break;
    n = n * 16 + h;
    if (n > Number.MAX_SAFE_INTEGER) return -1;
  }
  return i === start ? -1 : n;
}

function lineRead(
  o: ResolvedHttp1Options,
  maxBytes: number,
  map?: (buf: Uint8Array, start: number, end: number) => number,
): ReadRequest {
  if (o.lfAfterCr) return regex(new RegExp(eolPattern(o)), { maxBytes });
  if (map !== undefined) return until('\n', { maxBytes, map });
  // Strict: up to the first LF, whose CR the line's action checks (a bare LF is refused at once, not at the
  // size limit or the end of input, and with the same code however the bytes are split).
  return until('\n', { maxBytes });
}

const data = (event: unknown) => (event as ReadDoneEvent | ChunkEvent).data;

function build(o: ResolvedHttp1Options, request: boolean) {
  const headLabel = describeRead(headRead(o, new ParserState(o, request)));
  const strictEnd = !o.crBeforeLf && !o.lfAfterCr && !o.crlfAfterChunk;
  // Strict line endings: the chunk-size line's read decodes the size, so its transition
  // picks the next state itself (no routing step per chunk).
  const sizeMapped = !o.lfAfterCr;
  const sizeLine = lineRead(o, o.maxChunkExtensionsSize + 64, sizeMapped ? hexPrefix : undefined);
  const chunkActions = o.chunkHeaders ? (['onSizeLine', 'emitChunk'] as const) : (['onSizeLine'] as const);
  return setup({
    types: protocolTypes<Http1Context, Http1Output>(),
    actions: {
      onHead: ({ context, event }) => context.parser.onHead(data(event)),
      headEof: ({ context, event }) => {
        if (event.type === 'eof') context.parser.onHeadEof(event.unread);
      },
      advance: ({ context, event }) => {
        context.parser.pos += data(event).length;
      },
      onSizeLine: ({ context, event }) => {
        const e = event as ReadDoneEvent;
        context.parser.onSizeLine(e.buf, e.start, e.end, 'chunkSize');
      },
      onSmallChunk: ({ context, event }) => {
        const e = event as ReadDoneEvent;
        context.parser.onSmallChunk(e.buf, e.start, e.end);
      },
      onChunkEnd: ({ context, event }) => context.parser.onChunkEnd(data(event)),
      onChunkPiece: ({ context, event }) => context.parser.onChunkPiece(data(event)),
      chunkEndFault: ({ context }) => context.parser.chunkEndFault(),
      onTrailerLine: ({ context, event }) => {
        context.parser.next = context.parser.onTrailerLine(data(event)) ? Next.NONE : Next.LAST_CHUNK;
      },
      afterClose: ({ context, event }) => context.parser.onAfterClose(data(event)),
      incomplete: ({ context }, params: { state: Http1StateName }) => context.parser.incomplete(params.state),
      emitHead: emit(({ context }) => context.parser.head as MessageHead),
      emitBody: emit(({ event }) => ({ type: 'body' as const, data: data(event) })),
      emitSmall: emit(({ context }) => ({ type: 'body' as const, data: context.parser.chunkData })),
      emitPiece: emitIf(({ context, event }) => {
        const piece = context.parser.chunkPart(data(event));
        return piece === null ? null : { type: 'body' as const, data: piece };
      }),
      emitChunk: emit(({ context }) => context.parser.chunk as ChunkOutput),
      emitTrailers: emit(({ context }) => ({ type: 'trailers' as const, trailers: context.parser.trailers as Fields })),
      emitEnd: emit(END),
      release: ({ context }) => context.parser.release(),
      emitUpgrade: emit(UPGRADE),
    },
    guards: {
      blankEof: ({ event }) => blankEof(event),
      nextNone: ({ context }) => context.parser.next === Next.NONE,
      nextLength: ({ context }) => context.parser.next === Next.LENGTH,
      nextChunked: ({ context }) => context.parser.next === Next.CHUNKED,
      nextClose: ({ context }) => context.parser.next === Next.CLOSE,
      nextUpgrade: ({ context }) => context.parser.next === Next.UPGRADE,
      nextUpgradeIncomplete: ({ context }) => context.parser.next === Next.UPGRADE_INCOMPLETE,
      nextSmall: ({ context }) => context.parser.next === Next.SMALL_CHUNK,
      nextChunk: ({ context }) => context.parser.next === Next.CHUNK,
      chunkEndBad: ({ context, event }) => context.parser.chunkEndBad(data(event)),
      moreTrailers: ({ context }) => context.parser.next === Next.LAST_CHUNK,
      hasTrailers: ({ context }) => context.parser.trailers !== null,
      upgradeAfter: ({ context }) => (context.parser.head as MessageHead).upgrade,
      keepAlive: ({ context }) => (context.parser.head as MessageHead).keepAlive,
      headBlank: ({ event }) => (event as ReadDoneEvent<number>).value === Next.HEAD,
      headAlone: ({ event }) => (event as ReadDoneEvent<number>).value === Next.NONE_KEEP,
      sizeZero: ({ event }) => (event as ReadDoneEvent<number>).value === 0,
      sizeSmall: ({ event }) => {
        const e = event as ReadDoneEvent<number>;
        return e.value > 0 && readWhole(e.value, e.buf, e.end);
      },
      smallEndBad: ({ event }) => {
        const e = event as ReadDoneEvent;
        return e.buf[e.end - 2] !== CR || e.buf[e.end - 1] !== LF;
      },
    },
  }).createMachine({
    id: request ? 'http1Request' : 'http1Response',
    context: () => {
      const parser = new ParserState(o, request);
      parser.headRead = headRead(o, parser);
      return { parser };
    },
    initial: 'head',
    states: {
      head: {
        // One read a parser (its measure and validate use the parser's scanner), alike in every parser.
        meta: { read: ({ context }) => context.parser.headRead, readLabel: headLabel },
        on: {
          // A head parsed by its read (see headRead): a message without a body that keeps the
          // connection ends here, in one step; other heads are routed by their framing.
          read: o.lfAfterCr
            ? { target: 'route', actions: 'onHead' }
            : [
                { guard: 'headBlank', target: 'head' },
                { guard: 'headAlone', target: 'head', actions: ['emitHead', 'emitEnd', 'release'] },
                { target: 'route' },
              ],
          eof: [{ guard: 'blankEof', target: 'ended' }, { actions: 'headEof' }],
        },
      },
      route: {
        always: [
          { guard: 'nextNone', target: 'complete', actions: 'emitHead' },
          { guard: 'nextLength', target: 'fixed', actions: 'emitHead' },
          { guard: 'nextChunked', target: 'chunkSize', actions: 'emitHead' },
          { guard: 'nextClose', target: 'untilClose', actions: 'emitHead' },
          { guard: 'nextUpgrade', target: 'upgraded', actions: ['emitHead', 'emitEnd', 'emitUpgrade'] },
          { guard: 'nextUpgradeIncomplete', target: 'upgraded', actions: ['emitHead', 'emitUpgrade'] },
          // Next.HEAD, blank lines only: back to the head. Only a head read without a map (lenient
          // OPTIONAL_LF_AFTER_CR) comes here with it; a mapped one goes back by its own transition.
          { target: 'head' },
        ],
      },
      fixed: {
        meta: { read: ({ context }) => context.parser.bodyRead },
        on: {
          chunk: { actions: ['advance', 'emitBody'] },
          done: { target: 'complete' },
          eof: { actions: { type: 'incomplete', params: { state: 'fixed' } } },
        },
      },
      chunkSize: {
        meta: { read: sizeLine },
        on: {
          read: sizeMapped
            ? [
                { guard: 'sizeZero', target: 'trailers', actions: chunkActions },
                ...(strictEnd
                  ? [{ guard: 'sizeSmall' as const, target: 'chunkSmall' as const, actions: chunkActions }]
                  : []),
                { target: 'chunkData', actions: chunkActions },
              ]
            : { target: 'routeChunk', actions: chunkActions },
          eof: { actions: { type: 'incomplete', params: { state: 'chunkSize' } } },
        },
      },
      // Strict: the chunk-size line's transition picks the next state. Lenient line endings
      // after chunk data: a line is the chunk's end or the next size line, and a routing step decides.
      ...(strictEnd
        ? {
            chunkSmall: {
              meta: { read: ({ context }: { context: Http1Context }) => context.parser.bodyRead },
              on: {
                read: [
                  // Data followed by something else than CRLF: the data goes out, chunkEnd reports the fault.
                  {
                    guard: 'smallEndBad' as const,
                    target: 'chunkEnd' as const,
                    actions: ['onSmallChunk', 'emitSmall'] as const,
                  },
                  { target: 'chunkSize' as const, actions: ['onSmallChunk', 'emitSmall'] as const },
                ],
                eof: { actions: { type: 'incomplete' as const, params: { state: 'chunkSmall' as const } } },
              },
            },
          }
        : {
            routeChunk: {
              always: [{ guard: 'nextChunk' as const, target: 'chunkData' as const }, { target: 'trailers' as const }],
            },
          }),
      // A chunk streamed. Strict: its CRLF comes in the same read, checked piece by piece (chunkEndBad), and a
      // fault there is reported by chunkEnd, in a step of its own once the data before it is out. Lenient:
      // chunkEnd reads the line after the data.
      chunkData: {
        meta: { read: ({ context }) => context.parser.bodyRead },
        on: {
          chunk: strictEnd
            ? [
                { guard: 'chunkEndBad', target: 'chunkEnd', actions: ['emitPiece', 'onChunkPiece'] },
                { actions: ['emitPiece', 'onChunkPiece'] },
              ]
            : { actions: ['advance', 'emitBody'] },
          done: { target: strictEnd ? 'chunkSize' : 'chunkEnd' },
          eof: { actions: { type: 'incomplete', params: { state: 'chunkData' } } },
        },
      },
      chunkEnd: strictEnd
        ? { meta: { read: bytes(0) }, on: { read: { actions: 'chunkEndFault' } } }
        : {
            meta: { read: sizeLine },
            on: {
              read: { target: 'routeEnd', actions: 'onChunkEnd' },
              eof: { actions: { type: 'incomplete', params: { state: 'chunkEnd' } } },
            },
          },
      ...(strictEnd
        ? {}
        : {
            routeEnd: {
              always: [
                { guard: 'nextChunked', target: 'chunkSize' },
                { target: 'routeChunk', actions: o.chunkHeaders ? 'emitChunk' : [] },
              ],
            },
          }),
      trailers: {
        meta: { read: lineRead(o, o.maxHeadSize) },
        on: {
          read: { target: 'routeTrailers', actions: 'onTrailerLine' },
          eof: { actions: { type: 'incomplete', params: { state: 'trailers' } } },
        },
      },
      routeTrailers: {
        always: [
          { guard: 'moreTrailers', target: 'trailers' },
          { guard: 'hasTrailers', target: 'complete', actions: 'emitTrailers' },
          { target: 'complete' },
        ],
      },
      untilClose: {
        meta: { read: streamUntilClose() },
        on: { chunk: { actions: ['advance', 'emitBody'] }, done: { target: 'complete' } },
      },
      complete: {
        always: [
          { guard: 'upgradeAfter', target: 'upgraded', actions: ['emitEnd', 'emitUpgrade'] },
          { guard: 'keepAlive', target: 'head', actions: ['emitEnd', 'release'] },
          { target: 'closed', actions: 'emitEnd' },
        ],
      },
      closed: {
        meta: { read: bytes(64 * 1024, { partial: true }) },
        on: { read: { actions: 'afterClose' }, eof: { target: 'ended' } },
      },
      upgraded: { type: 'final' },
      ended: { type: 'final' },
    },
  });
}

/** The type of the machines {@link createRequestMachine} and {@link createResponseMachine} return. */
export type Http1Machine = ReturnType<typeof build>;

let defaultRequest: Http1Machine | null = null;
let defaultResponse: Http1Machine | null = null;

/**
 * A machine that parses HTTP/1.x requests, one after another on one
 * connection (pipelining), until the connection closes or changes protocol.
 *
 * @example
 * ```ts
 * const driver = createDriver(createRequestMachine({ maxHeadSize: 8192 }), {
 *   onOutput: (o) => {
 *     if (o.type === 'head') console.log(o.method, o.url, o.headers);
 *     else if (o.type === 'body') handle(o.data);
 *   },
 *   onError: (e) => reply(toHttp1Error(e).status),
 * });
 * socket.on('data', (c) => driver.feed(c));
 * ```
 */
export function createRequestMachine(options?: Http1Options): Http1Machine {
  if (options === undefined) {
    defaultRequest ??= build(resolveOptions(), true);
    return defaultRequest;
  }
  return build(resolveOptions(options), true);
}

/**
 * A machine that parses HTTP/1.x responses. A client that sends HEAD requests
 * passes `skipBody` (a function can consult its queue of requests).
 *
 * @example
 * ```ts
 * const pending: string[] = []; // methods of the requests in flight
 * const machine = createResponseMachine({ skipBody: (head) => head.kind === 'response' && head.status >= 200 && pending.shift() === 'HEAD' });
 * ```
 */
export function createResponseMachine(options?: Http1Options): Http1Machine {
  if (options === undefined) {
    defaultResponse ??= build(resolveOptions(), false);
    return defaultResponse;
  }
  return build(resolveOptions(options), false);
}
