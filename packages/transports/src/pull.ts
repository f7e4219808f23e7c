/**
 * The read loop shared by pull-based sources (async iterators, web stream
 * readers): pull while not paused, deliver to the sink, end once.
 *
 * @module
 */
import type { TransportSink } from '@wiremachine/core';

/** Pulls chunks from `next` into a sink; pausing stops pulling after the pull in flight. */
export class PullLoop {
  private sink: TransportSink | null = null;
  private paused = false;
  private running = false;
  private stopped = false;

  constructor(private readonly next: () => Promise<{ done?: boolean; value?: unknown }>) {}

  start(sink: TransportSink): void {
    this.sink = sink;
    void this.run();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    void this.run();
  }

  /** Stop for good; the sink gets `end(error)` (unless it already ended). */
  stop(error?: unknown): void {
    this.finish(error);
  }

  private async run(): Promise<void> {
    if (this.running || this.sink === null) return;
    this.running = true;
    try {
      while (!this.paused && !this.stopped) {
        const r = await this.next();
        if (this.stopped) return;
        if (r.done) return this.finish(undefined);
        const chunk = r.value;
        if (!(chunk instanceof Uint8Array)) {
          return this.finish(new TypeError(`a byte source yielded ${typeof chunk}, not a Uint8Array`));
        }
        this.sink.data(chunk);
      }
    } catch (e) {
      this.finish(e);
    } finally {
      this.running = false;
    }
  }

  private finish(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.sink?.end(error);
  }
}
