/**
 * The state most of a tracker packet is made of: read one fixed-size field
 * into the context, go on to the next; a datagram that ends there is
 * truncated inside that field.
 *
 * @module
 */
import { bytes } from '@wiremachine/core';
import { assign } from 'xstate';
import { truncated } from './errors.js';

/**
 * A state that reads `size` bytes, stores `decode(bytes)` in `context[key]`
 * and goes to `target`. At the end of the datagram it fails with
 * `TRUNCATED`, naming the field `label`.
 *
 * @example
 * ```ts
 * states: { port: fieldState<RequestContext, 'port'>('port', 2, 'port', u16, 'option') }
 * ```
 */
export function fieldState<TContext extends object, K extends keyof TContext & string>(
  label: string,
  size: number,
  key: K,
  decode: (data: Uint8Array) => TContext[K],
  target: string,
) {
  // A computed key is beyond assign's typing, and the action fits every machine's event types: the
  // signature above checks the key and the value instead.
  const store = assign({ [key]: ({ event }: { event: { data: Uint8Array } }) => decode(event.data) } as never) as never;
  return {
    meta: { read: bytes(size) },
    on: {
      read: { target, actions: store },
      eof: { actions: truncated(label) },
    },
  };
}
