/**
 * Once a message is complete and the parser waits for the next, nothing it
 * holds points into the received bytes: a connection that read a burst of
 * pipelined requests and then idles keeps none of that burst alive.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createDriver } from '@wiremachine/core';
import {
  createRequestMachine,
  createResponseMachine,
  type Http1Machine,
  type Http1Output,
} from '@wiremachine/protocols/http1';
import { describe, expect, it } from 'vitest';
import { bytes } from './collect.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Feed `input` (in one ArrayBuffer of its own) and report whether the buffer is still alive afterwards. */
async function held(
  machine: Http1Machine,
  input: string,
  onOutput?: (o: Http1Output) => void,
): Promise<{ alive: boolean; outputs: number; state: string }> {
  const driver = createDriver(machine, {
    onOutput: (o) => {
      outputs++;
      onOutput?.(o);
    },
  });
  let outputs = 0;
  let ref: WeakRef<ArrayBuffer> | undefined;
  // A separate function, so that no local of this frame keeps the buffer.
  (() => {
    const chunk = bytes(input);
    ref = new WeakRef(chunk.buffer as ArrayBuffer);
    driver.feed(chunk);
  })();
  // Collected once the frames that touched it are gone: a turn of the event loop between two collections.
  gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
  gc();
  const alive = ref?.deref() !== undefined;
  return { alive, outputs, state: driver.state };
}

const HEAD = `GET /a HTTP/1.1\r\nHost: example.com\r\nUser-Agent: ${'x'.repeat(120)}\r\n\r\n`;

describe('an idle parser keeps no received bytes alive', () => {
  it('after a burst of pipelined requests (heads long enough to be scanned by words)', async () => {
    const r = await held(createRequestMachine(), HEAD.repeat(20));
    expect(r.outputs).toBe(40); // 20 heads, 20 ends
    expect(r.state).toBe('head');
    expect(r.alive).toBe(false);
  });

  it('after a burst of pipelined requests whose strings were made (from text decoded for several heads)', async () => {
    const kept: string[][] = [];
    const r = await held(createRequestMachine(), HEAD.repeat(20), (o) => {
      if (o.type === 'head' && o.kind === 'request') kept.push([o.url, ...o.rawHeaders]);
    });
    expect(r.outputs).toBe(40);
    expect(kept[19]).toEqual(['/a', 'Host', 'example.com', 'User-Agent', 'x'.repeat(120)]);
    expect(r.alive).toBe(false);
  });

  it('after chunked requests with small chunks and trailers', async () => {
    const chunked = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n';
    const r = await held(createRequestMachine(), chunked.repeat(3));
    expect(r.state).toBe('head');
    expect(r.alive).toBe(false);
  });

  it('after responses', async () => {
    const r = await held(createResponseMachine(), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'.repeat(5));
    expect(r.state).toBe('head');
    expect(r.alive).toBe(false);
  });

  it('the check can fail: a parser mid-head keeps the bytes it waits on', async () => {
    const r = await held(createRequestMachine(), HEAD.slice(0, 40));
    expect(r.alive).toBe(true);
  });
});
