/**
 * A length-prefixed frame protocol: a 4-byte big-endian length, then that
 * many bytes of payload. A length above `maxFrameBytes` is refused before a
 * single payload byte is buffered. Written with wiremachine's public API only.
 */
import { bytes, fail, protocolTypes } from '@wiremachine/core';
import { assign, emit, setup } from 'xstate';

/** One frame's payload (a view of the received bytes where possible). */
export interface FrameOutput {
  type: 'frame';
  payload: Uint8Array;
}

const u32 = (b: Uint8Array) => ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;

/** A frame protocol machine that refuses frames longer than `maxFrameBytes`. */
export function createFrameProtocol(options: { maxFrameBytes?: number } = {}) {
  const maxFrameBytes = options.maxFrameBytes ?? 1024 * 1024;
  return setup({
    types: protocolTypes<{ length: number }, FrameOutput>(),
    guards: {
      tooLarge: ({ event }) => event.type === 'read' && u32(event.data) > maxFrameBytes,
      atBoundary: ({ event }) => event.type === 'eof' && event.unread.length === 0,
    },
  }).createMachine({
    id: 'frame',
    context: { length: 0 },
    initial: 'length',
    states: {
      length: {
        meta: { read: bytes(4) },
        on: {
          read: [
            { guard: 'tooLarge', actions: fail('FRAME_TOO_LARGE', `frame longer than ${maxFrameBytes} bytes`) },
            { target: 'payload', actions: assign({ length: ({ event }) => u32(event.data) }) },
          ],
          eof: [
            { guard: 'atBoundary', target: 'closed' },
            { actions: fail('FRAME_TRUNCATED', 'input ended inside a length') },
          ],
        },
      },
      payload: {
        meta: { read: ({ context }) => bytes(context.length) },
        on: {
          read: { target: 'length', actions: emit(({ event }) => ({ type: 'frame' as const, payload: event.data })) },
        },
      },
      closed: { type: 'final' },
    },
  });
}

/** The frame protocol with frames of at most 1 MiB. */
export const frameProtocol = createFrameProtocol();

/** Encode one frame: its 4-byte length, then the payload. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(payload, 4);
  return out;
}
