/**
 * A `TransformStream` from bytes to a protocol's outputs, for `pipeThrough`
 * in browsers, Deno, Bun and Node.
 *
 * Backpressure is the web streams' own: while the readable side holds
 * `highWaterMark` outputs unread, the writable side stops taking chunks.
 * When the machine reaches its final state the readable side closes and
 * further writes fail; the bytes after it are not parsed.
 *
 * @module
 */
import { createDriver, type DriverOptions, type WiremachineError } from '@wiremachine/core';
import type { AnyStateMachine, EmittedFrom, InputFrom } from 'xstate';

/** Options of {@link parserStream}. */
export interface ParserStreamOptions<TInput = unknown>
  extends Omit<DriverOptions<unknown, TInput>, 'onOutput' | 'onError' | 'onDone'> {
  /** Outputs the readable side queues before the writable side waits. Default 16. */
  highWaterMark?: number;
}

/**
 * Parse a byte stream into the machine's outputs; a protocol error errors
 * both sides of the stream.
 *
 * @example
 * ```ts
 * const lines = response.body!.pipeThrough(parserStream(lineProtocol));
 * for await (const line of lines) console.log(line.text);
 * ```
 */
export function parserStream<TMachine extends AnyStateMachine>(
  machine: TMachine,
  options: ParserStreamOptions<InputFrom<TMachine>> = {},
): TransformStream<Uint8Array, EmittedFrom<TMachine>> {
  const { highWaterMark, ...driverOptions } = options;
  let error: WiremachineError | null = null;
  let driver: ReturnType<typeof createDriver<TMachine>>;
  return new TransformStream<Uint8Array, EmittedFrom<TMachine>>(
    {
      start(controller) {
        driver = createDriver(machine, {
          ...driverOptions,
          onOutput: (o) => controller.enqueue(o),
          onError: (e) => {
            error = e;
          },
          onDone: () => controller.terminate(),
        });
      },
      transform(chunk) {
        driver.feed(chunk);
        if (error !== null) throw error;
      },
      flush() {
        driver.end();
        if (error !== null) throw error;
      },
    },
    undefined,
    { highWaterMark: highWaterMark ?? 16 },
  );
}
