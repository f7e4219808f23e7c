/** `wiremachine compile`: the JavaScript the compiled executor runs for a protocol. */
import { parseArgs } from 'node:util';
import { source } from '@wiremachine/core';
import { loadProtocol } from '../protocols.js';
import { HELP } from '../usage.js';

export async function compileCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'protocol-module': { type: 'string' },
      lenient: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP.compile);
    return 0;
  }
  const protocol = await loadProtocol(positionals[0], values['protocol-module'], {
    lenient: values.lenient,
    noBody: false,
  });
  process.stdout.write(`${source(protocol.machine)}\n`);
  return 0;
}
