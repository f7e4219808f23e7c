/** `wiremachine parse` and `wiremachine trace`. */
import { parseArgs } from 'node:util';
import type { ExecutorKind } from '@wiremachine/core';
import { chunksOf, positive } from '../input.js';
import { jsonLine } from '../json.js';
import { loadProtocol } from '../protocols.js';
import { createSession } from '../session.js';
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

  const print = (o: unknown) => console.log(jsonLine(o));
  const session = createSession(protocol, {
    executor: executor as ExecutorKind,
    maxBufferSize,
    onOutput: print,
    onStep: traced ? (s) => console.log(formatStep(s)) : undefined,
  });
  for await (const chunk of chunksOf(file, chunkSize)) session.feed(chunk);
  const { error, upgrade } = session.end();
  if (error !== null) {
    print(error);
    return 1;
  }
  if (upgrade !== null) print(upgrade);
  return 0;
}
