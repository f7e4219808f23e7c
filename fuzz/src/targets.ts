/**
 * The fuzzing targets: every shipped protocol, with seed inputs and the
 * limits it runs under.
 */

import type { FuzzOptions } from '@wirestate/core/testing';
import { createFrameProtocol, encodeFrame } from '@wirestate/examples/protocols/frame';
import { createLineProtocol } from '@wirestate/examples/protocols/line';
import type { AnyStateMachine } from 'xstate';

/** One target: a machine and how to fuzz it. */
export interface FuzzTarget {
  name: string;
  machine: AnyStateMachine;
  seeds: Uint8Array[];
  options?: Omit<FuzzOptions, 'seeds' | 'runs'>;
}

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

export const targets: FuzzTarget[] = [
  {
    name: 'line',
    machine: createLineProtocol({ maxLineBytes: 64 }),
    seeds: [latin1('HELO example.org\r\nQUIT\r\n'), latin1('\r\n'), latin1('x'.repeat(70))],
    options: { maxBufferSize: 256 },
  },
  {
    name: 'frame',
    machine: createFrameProtocol({ maxFrameBytes: 256 }),
    seeds: [encodeFrame(latin1('hello')), encodeFrame(new Uint8Array(0)), encodeFrame(new Uint8Array(300))],
    options: { maxBufferSize: 1024 },
  },
];

/** The target called `name`, or an error that lists them. */
export function target(name: string): FuzzTarget {
  const found = targets.find((t) => t.name === name);
  if (found === undefined)
    throw new Error(`no fuzz target "${name}"; targets: ${targets.map((t) => t.name).join(', ')}`);
  return found;
}
