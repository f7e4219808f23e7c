/**
 * A line protocol: each line ends with CRLF and is at most `maxLineBytes`
 * long (CRLF included). Written with wiremachine's public API only.
 */
import { fail, protocolTypes, until } from '@wiremachine/core';
import { emit, setup } from 'xstate';

/** One line of text, without its CRLF. */
export interface LineOutput {
  type: 'line';
  text: string;
}

const utf8 = new TextDecoder();

/** A line protocol machine whose lines may be at most `maxLineBytes` long, CRLF included. */
export function createLineProtocol(options: { maxLineBytes?: number } = {}) {
  const read = until('\r\n', { maxBytes: options.maxLineBytes ?? 1024, strip: true });
  return setup({
    types: protocolTypes<Record<string, never>, LineOutput>(),
    guards: {
      // Input that ends between lines is a clean close.
      atBoundary: ({ event }) => event.type === 'eof' && event.unread.length === 0,
    },
  }).createMachine({
    id: 'line',
    context: {},
    initial: 'line',
    states: {
      line: {
        meta: { read },
        on: {
          read: { actions: emit(({ event }) => ({ type: 'line' as const, text: utf8.decode(event.data) })) },
          eof: [
            { guard: 'atBoundary', target: 'closed' },
            { actions: fail('LINE_TRUNCATED', 'input ended inside a line') },
          ],
        },
      },
      closed: { type: 'final' },
    },
  });
}

/** The line protocol with lines of at most 1024 bytes. */
export const lineProtocol = createLineProtocol();
