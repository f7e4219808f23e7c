/**
 * wiremachine demo: two small protocols, declared as xstate machines, parse a
 * byte stream that arrives in awkward pieces. Every step of the driver is
 * traced, then every output is printed. Run: `pnpm demo`.
 */
import { concatBytes, createDriver, type WiremachineError } from '@wiremachine/core';
import { createFrameProtocol, encodeFrame } from './protocols/frame.js';
import { lineProtocol } from './protocols/line.js';
import { formatStep } from './trace.js';

const utf8 = new TextEncoder();

/** Feed `input` in pieces of `pieceSize` bytes, tracing each step; print outputs and the outcome. */
function run(title: string, machine: Parameters<typeof createDriver>[0], input: Uint8Array, pieceSize: number): void {
  console.log(`\n== ${title}: ${input.length} bytes in pieces of ${pieceSize} ==`);
  const outputs: unknown[] = [];
  let failure: WiremachineError | null = null;
  const driver = createDriver(machine, {
    onOutput: (o) => outputs.push(o),
    onError: (e) => {
      failure = e;
    },
    onStep: (s) => console.log(formatStep(s)),
  });
  for (let i = 0; i < input.length; i += pieceSize) driver.feed(input.subarray(i, i + pieceSize));
  driver.end();
  console.log('-- outputs');
  for (const o of outputs)
    console.log(JSON.stringify(o, (_k, v) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : v)));
  const e = failure as WiremachineError | null;
  if (e === null) console.log(`-- ${driver.status}, ${driver.offset} bytes read`);
  else {
    const where = e as WiremachineError & { offset?: number; state?: string };
    console.log(`-- error ${e.code} at byte ${where.offset} in state "${where.state}": ${e.message}`);
  }
}

run('line protocol', lineProtocol, utf8.encode('HELO example.org\r\nMAIL FROM:<a@example.org>\r\nQUIT\r\n'), 7);

const frames = [
  encodeFrame(utf8.encode('hello')),
  encodeFrame(new Uint8Array(0)),
  encodeFrame(utf8.encode('wiremachine')),
];
const stream = concatBytes(frames);
run('frame protocol', createFrameProtocol(), stream, 3);

const tooBig = new Uint8Array([...encodeFrame(utf8.encode('ok')), 0x00, 0x10, 0x00, 0x00]);
run('frame protocol, a frame over the 1 KiB limit', createFrameProtocol({ maxFrameBytes: 1024 }), tooBig, 5);
