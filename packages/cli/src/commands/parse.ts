/** `wiremachine parse` and `wiremachine trace`. */
import { parseArgs } from 'node:util';
import { createDriver, type ExecutorKind, type WiremachineError } from '@wiremachine/core';
import { chunksOf, positive } from '../input.js';
import { jsonLine } from '../json.js';
import { loadProtocol } from '../protocols.js';
import { formatStep } from '../trace.js';
import { HELP, UsageError } from '../usage.js';

/** Runs `parse` (or `trace` when `traced`); resolves to the exit status. */
export async function parseCommand(args: string[], traced: boolean): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'protocol-module': { type: 'string' },
      'chunk-size': { type: 'string' },
      executor: { type: 'string', default: 'compiled' },
      'max-buffer': { type: 'string' },
      lenient: { type: 'string', multiple: true, default: [] },
      'no-body': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(traced ? HELP.trace : HELP.parse);
    return 0;
  }
  const executor = values.executor;
  if (executor !== 'compiled' && executor !== 'xstate') {
    throw new UsageError(`--executor is compiled or xstate, not "${executor}"`);
  }
  const moduleGiven = values['protocol-module'] !== undefined;
  const [name, file] = moduleGiven ? [undefined, positionals[0]] : [positionals[0], positionals[1]];
  if (positionals.length > (moduleGiven ? 1 : 2)) throw new UsageError(`unexpected argument "${positionals.at(-1)}"`);
  const protocol = await loadProtocol(name, values['protocol-module'], {
    lenient: values.lenient,
    noBody: values['no-body'],
  });
  const chunkSize = positive('--chunk-size', values['chunk-size']);
  const maxBufferSize = positive('--max-buffer', values['max-buffer']);

  let failure: WiremachineError | null = null;
  // In a trace, each step is printed before the outputs it produced.
  const held: unknown[] = [];
  const print = (o: unknown) => console.log(jsonLine(o));
  const show = protocol.present?.() ?? ((o: unknown) => [o]);
  // Offsets count the input's bytes, not those of a prefix the protocol needs first.
  const skip = protocol.prefix?.length ?? 0;
  let endedEarly = false;
  let ending = false;
  const driver = createDriver(protocol.machine, {
    executor: executor as ExecutorKind,
    input: protocol.input,
    maxBufferSize,
    onOutput: (o) => {
      for (const shown of show(o)) {
        if (traced) held.push(shown);
        else print(shown);
      }
    },
    onError: (e) => {
      failure = e;
    },
    onDone: () => {
      if (!ending) endedEarly = true;
    },
    onStep: traced
      ? (s) => {
          if (s.offset >= skip) console.log(formatStep({ ...s, offset: s.offset - skip }));
          for (const o of held.splice(0)) print(o);
        }
      : undefined,
  });
  let rest = 0;
  if (protocol.prefix) driver.feed(protocol.prefix);
  for await (const chunk of chunksOf(file, chunkSize)) {
    if (driver.status !== 'running') {
      rest += chunk.length;
      continue;
    }
    driver.feed(chunk);
  }
  ending = true;
  driver.end();
  // Outputs of a step that failed are not delivered; any others are printed now.
  for (const o of held.splice(0)) print(o);
  const e = failure as (WiremachineError & { offset?: number; state?: string }) | null;
  if (e !== null) {
    const offset = e.offset === undefined || e.offset < 0 ? null : Math.max(0, e.offset - skip);
    console.log(jsonLine({ type: 'error', code: e.code, offset, state: e.state ?? null, message: e.message }));
    return 1;
  }
  // The protocol handed the rest over: bytes it did not read, or (for a protocol that
  // says its end is a handover, as an HTTP upgrade) an end before the input's.
  const handover = driver.offset - skip;
  const unread = driver.status === 'done' ? driver.remaining().length + rest : 0;
  if (driver.status === 'done' && (unread > 0 || (endedEarly && protocol.handsOver === true))) {
    // The protocol handed the rest of the input over (an upgrade, say).
    console.log(jsonLine({ type: 'upgrade', offset: handover }));
  }
  return 0;
}
