/**
 * RESP, the Redis serialization protocol (RESP2 and RESP3 replies), declared
 * as a wiremachine machine. Each reply starts with a type byte and a line; bulk
 * values then read exactly their length. Aggregates (arrays, maps, sets,
 * pushes, attributes) nest to any depth on a stack in the context, so one
 * flat machine reads them all.
 */
import { bytes, fail, protocolTypes, until } from '@wiremachine/core';
import { assign, emit, setup } from 'xstate';
import { RespError, type RespValue } from './values.js';

/** One complete reply, or a RESP3 push message (pub/sub, client tracking). */
export type RespOutput = { type: 'reply'; value: RespValue } | { type: 'push'; value: RespValue[] };

interface Frame {
  kind: '*' | '%' | '~' | '>' | '|';
  left: number;
  items: RespValue[];
}

interface Context {
  /** Aggregates still open, innermost last. */
  stack: Frame[];
  /** The bulk value being read: its type byte and length (-1: null). */
  bulk: { type: string; length: number };
  /** The value just completed. */
  value: RespValue;
  /** A complete top-level reply, once `value` closed every open aggregate. */
  reply: RespOutput | null;
  keepBytes: boolean;
}

/** Options of {@link createRespProtocol}. */
export interface RespOptions {
  /** Longest line (type byte and CRLF included). Default 64 KiB. */
  maxLineBytes?: number;
  /** Longest bulk value. Default 512 MiB, Redis's own `proto-max-bulk-len`. */
  maxBulkBytes?: number;
  /** Deepest nesting of aggregates. Default 64. */
  maxDepth?: number;
  /** Keep bulk strings as bytes (Uint8Array) instead of decoding UTF-8. */
  bytes?: boolean;
}

const utf8 = new TextDecoder();
const text = (b: Uint8Array, from = 0) => utf8.decode(b.subarray(from));
const typeOf = (b: Uint8Array) => String.fromCharCode(b[0]);

/** A count of items or bytes: -1 (null) or more, else NaN. */
function count(line: string): number {
  return /^(-1|\d{1,10})$/.test(line) ? Number(line) : Number.NaN;
}

const SCALAR_FORMS: Record<string, RegExp> = {
  '+': /^[^\r\n]*$/,
  '-': /^[^\r\n]*$/,
  ':': /^-?\d+$/,
  _: /^$/,
  '#': /^[tf]$/,
  ',': /^(-?inf|nan|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/,
  '(': /^-?\d+$/,
};

/** The value of a one-line reply (checked against {@link SCALAR_FORMS} first). */
function scalar(type: string, line: string): RespValue {
  switch (type) {
    case '+':
      return line;
    case '-':
      return new RespError(line);
    case ':': {
      const n = Number(line);
      return Number.isSafeInteger(n) ? n : BigInt(line);
    }
    case '_':
      return null;
    case '#':
      return line === 't';
    case ',':
      return line === 'inf' ? Number.POSITIVE_INFINITY : line === '-inf' ? Number.NEGATIVE_INFINITY : Number(line);
    default:
      return BigInt(line);
  }
}

function close(frame: Frame): RespValue {
  if (frame.kind === '%') {
    const map = new Map<RespValue, RespValue>();
    for (let i = 0; i < frame.items.length; i += 2) map.set(frame.items[i], frame.items[i + 1]);
    return map;
  }
  return frame.kind === '~' ? new Set(frame.items) : frame.items;
}

/**
 * Put a complete value in the innermost open aggregate, closing each one it
 * completes. Returns the top-level reply it completes, if any. An attribute
 * (`|`) describes the value after it: it is dropped, and takes no place.
 */
function place(stack: Frame[], value: RespValue): RespOutput | null {
  let v = value;
  for (;;) {
    const top = stack[stack.length - 1];
    if (top === undefined) return { type: 'reply', value: v };
    top.items.push(v);
    if (--top.left > 0) return null;
    stack.pop();
    if (top.kind === '|') return null;
    v = close(top);
    if (stack.length === 0 && top.kind === '>') return { type: 'push', value: v as RespValue[] };
  }
}

/** A RESP reply parser. */
export function createRespProtocol(options: RespOptions = {}) {
  const maxBulk = options.maxBulkBytes ?? 512 * 1024 * 1024;
  const maxDepth = options.maxDepth ?? 64;
  const line = until('\r\n', { maxBytes: options.maxLineBytes ?? 64 * 1024, strip: true });
  const is =
    (types: string) =>
    ({ event }: { event: { type: string; data?: Uint8Array } }) =>
      event.type === 'read' && types.includes(typeOf(event.data as Uint8Array));
  return setup({
    types: protocolTypes<Context, RespOutput, { bytes?: boolean } | undefined>(),
    guards: {
      isScalar: is('+-:_#,('),
      isBulk: is('$!='),
      isAggregate: is('*%~>|'),
      badScalar: ({ event }) => {
        if (event.type !== 'read') return false;
        const form = SCALAR_FORMS[typeOf(event.data)];
        return form !== undefined && !form.test(text(event.data, 1));
      },
      badCount: ({ event }) => {
        if (event.type !== 'read') return false;
        const n = count(text(event.data, 1));
        return !(n <= maxBulk) || (n === -1 && typeOf(event.data) !== '$' && typeOf(event.data) !== '*');
      },
      isNull: ({ event }) => event.type === 'read' && count(text(event.data, 1)) === -1,
      tooDeep: ({ context }) => context.stack.length >= maxDepth,
      isEmpty: ({ event }) => event.type === 'read' && count(text(event.data, 1)) === 0,
      nullBulk: ({ context }) => context.bulk.length < 0,
      badTrailer: ({ event }) =>
        event.type === 'read' && (event.data[event.data.length - 2] !== 13 || event.data[event.data.length - 1] !== 10),
      hasReply: ({ context }) => context.reply !== null,
      atBoundary: ({ context, event }) =>
        event.type === 'eof' && event.unread.length === 0 && context.stack.length === 0,
    },
  }).createMachine({
    id: 'resp',
    context: ({ input }) => ({
      stack: [],
      bulk: { type: '$', length: 0 },
      value: null,
      reply: null,
      keepBytes: input?.bytes ?? options.bytes ?? false,
    }),
    initial: 'line',
    states: {
      line: {
        meta: { read: line },
        on: {
          read: [
            { guard: 'badScalar', actions: fail('RESP_BAD_VALUE', 'a one-line reply that is not of its type') },
            {
              guard: 'isScalar',
              target: 'placing',
              actions: assign({ value: ({ event }) => scalar(typeOf(event.data), text(event.data, 1)) }),
            },
            { guard: 'badCount', actions: fail('RESP_BAD_LENGTH', 'a length or count that is not -1..limit') },
            {
              guard: 'isBulk',
              target: 'bulk',
              actions: assign({
                bulk: ({ event }) => ({ type: typeOf(event.data), length: count(text(event.data, 1)) }),
              }),
            },
            { guard: 'isNull', target: 'placing', actions: assign({ value: null }) },
            {
              guard: 'isEmpty',
              target: 'placing',
              actions: assign({
                value: ({ event }) => close({ kind: typeOf(event.data) as Frame['kind'], left: 0, items: [] }),
              }),
            },
            { guard: 'tooDeep', actions: fail('RESP_TOO_DEEP', `aggregates nested more than ${maxDepth} deep`) },
            {
              guard: 'isAggregate',
              actions: assign({
                stack: ({ context, event }) => {
                  const kind = typeOf(event.data) as Frame['kind'];
                  const n = count(text(event.data, 1));
                  return [...context.stack, { kind, left: kind === '%' || kind === '|' ? 2 * n : n, items: [] }];
                },
              }),
            },
            { actions: fail('RESP_BAD_TYPE', 'a reply must start with a RESP type byte') },
          ],
          eof: [
            { guard: 'atBoundary', target: 'closed' },
            { actions: fail('RESP_TRUNCATED', 'input ended inside a reply') },
          ],
        },
      },
      bulk: {
        // A null bulk string ($-1) has no body; otherwise the value and its CRLF.
        meta: { read: ({ context }) => bytes(context.bulk.length < 0 ? 0 : context.bulk.length + 2) },
        on: {
          read: [
            { guard: 'nullBulk', target: 'placing', actions: assign({ value: null }) },
            { guard: 'badTrailer', actions: fail('RESP_BAD_TRAILER', 'a bulk value must end with CRLF') },
            {
              target: 'placing',
              actions: assign({
                value: ({ context, event }) => {
                  const body = event.data.subarray(0, event.data.length - 2);
                  if (context.bulk.type === '!') return new RespError(text(body));
                  if (context.bulk.type === '=') return { format: text(body.subarray(0, 3)), text: text(body, 4) };
                  return context.keepBytes ? body.slice() : text(body);
                },
              }),
            },
          ],
          eof: { actions: fail('RESP_TRUNCATED', 'input ended inside a bulk value') },
        },
      },
      placing: {
        always: {
          target: 'emitting',
          actions: assign({ reply: ({ context }) => place(context.stack, context.value) }),
        },
      },
      emitting: {
        always: [
          { guard: 'hasReply', target: 'line', actions: emit(({ context }) => context.reply as RespOutput) },
          { target: 'line' },
        ],
      },
      closed: { type: 'final' },
    },
  });
}

/** The RESP reply parser with default limits. */
export const respProtocol = createRespProtocol();
