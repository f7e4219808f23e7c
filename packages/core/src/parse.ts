/**
 * The pull API: an async iterable of a protocol's outputs from any async
 * iterable of bytes.
 *
 * @module
 */
import type { AnyStateMachine, EmittedFrom, InputFrom } from 'xstate';
import { Driver, type DriverOptions } from './driver.js';
import { nextTurn } from './turn.js';

/** Options of {@link parse}. */
export interface ParseOptions<TInput = unknown>
  extends Omit<DriverOptions<unknown, TInput>, 'onOutput' | 'onError' | 'onDone'> {
  /** Satisfied reads between two turns of the event loop. Default 1024. */
  stepsPerTurn?: number;
}

/** What {@link parse} returns when it ends: the bytes read from the source that no read took. */
export interface ParseResult {
  remaining: Uint8Array;
}

const noop = () => {};

/** A driver whose outputs gather in `outputs`; its error is kept in `driver.error` for the caller to throw. */
function collecting<TMachine extends AnyStateMachine>(
  machine: TMachine,
  options: Omit<DriverOptions<unknown, InputFrom<TMachine>>, 'onOutput' | 'onError' | 'onDone'>,
): { driver: Driver<EmittedFrom<TMachine>>; outputs: EmittedFrom<TMachine>[] } {
  const outputs: EmittedFrom<TMachine>[] = [];
  const driver = new Driver<EmittedFrom<TMachine>>(machine, {
    ...options,
    onOutput: (o) => outputs.push(o),
    onError: noop,
  });
  return { driver, outputs };
}

const turn = (): Promise<void> => new Promise((resolve) => nextTurn(resolve));

/**
 * Parse a byte stream into the machine's outputs. Yields to the event loop
 * after every `stepsPerTurn` reads, so a large buffered input does not hold
 * the loop. Throws the driver's error (after yielding the outputs before it).
 * Stops pulling from `source` when the machine reaches its final state; the
 * generator's return value holds the bytes already pulled that no read took.
 *
 * @example
 * ```ts
 * for await (const line of parse(lineProtocol, socketChunks)) console.log(line);
 * ```
 */
export async function* parse<TMachine extends AnyStateMachine>(
  machine: TMachine,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ParseOptions<InputFrom<TMachine>> = {},
): AsyncGenerator<EmittedFrom<TMachine>, ParseResult, undefined> {
  const { driver, outputs } = collecting(machine, options);
  const steps = options.stepsPerTurn ?? 1024;
  async function* drain(): AsyncGenerator<EmittedFrom<TMachine>, void, undefined> {
    for (;;) {
      const more = driver.run(steps);
      for (let i = 0; i < outputs.length; i++) yield outputs[i];
      outputs.length = 0;
      if (driver.error !== null) throw driver.error;
      if (!more) return;
      await turn();
    }
  }
  for await (const chunk of source) {
    if (!driver.push(chunk)) break;
    yield* drain();
    if (driver.status !== 'running') break;
  }
  if (driver.status === 'running') {
    driver.end();
    yield* drain();
  }
  return { remaining: driver.status === 'done' ? driver.remaining() : new Uint8Array(0) };
}

/** Options of {@link parseAll}: those of the driver, without its callbacks. */
export type ParseAllOptions<TInput = unknown> = Omit<DriverOptions<unknown, TInput>, 'onOutput' | 'onError' | 'onDone'>;

/** What {@link parseAll} read: the outputs, and the bytes after the machine's final state (if it reached one early). */
export interface ParseAllResult<TOutput> {
  outputs: TOutput[];
  remaining: Uint8Array;
}

/**
 * Parse bytes that are all there is: feed them to a fresh driver, end the
 * stream, and return the outputs. Throws the driver's error, a
 * {@link StreamClosedError} when a read needed more bytes than there were.
 * Datagram protocols and one-shot tools use it; a stream uses {@link parse}
 * or a driver.
 *
 * @example
 * ```ts
 * const { outputs } = parseAll(lineProtocol, new TextEncoder().encode('a\nb\n'));
 * ```
 */
export function parseAll<TMachine extends AnyStateMachine>(
  machine: TMachine,
  bytes: Uint8Array,
  options: ParseAllOptions<InputFrom<TMachine>> = {},
): ParseAllResult<EmittedFrom<TMachine>> {
  const { driver, outputs } = collecting(machine, options);
  driver.feed(bytes);
  driver.end();
  if (driver.error !== null) throw driver.error;
  return { outputs, remaining: driver.status === 'done' ? driver.remaining() : new Uint8Array(0) };
}
