/** `wiremachine diagram`. */
import { parseArgs } from 'node:util';
import { toDot, toMermaid } from '@wiremachine/core';
import { renderSvg } from '../graphviz.js';
import { loadProtocol } from '../protocols.js';
import { HELP, UsageError } from '../usage.js';

export async function diagramCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'mermaid' },
      'protocol-module': { type: 'string' },
      lenient: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP.diagram);
    return 0;
  }
  const format = values.format;
  if (format !== 'mermaid' && format !== 'dot' && format !== 'svg') {
    throw new UsageError(`--format is mermaid, dot or svg, not "${format}"`);
  }
  const protocol = await loadProtocol(positionals[0], values['protocol-module'], {
    lenient: values.lenient,
    noBody: false,
  });
  if (format === 'mermaid') {
    process.stdout.write(toMermaid(protocol.machine));
    return 0;
  }
  const dot = toDot(protocol.machine);
  if (format === 'dot') {
    process.stdout.write(dot);
    return 0;
  }
  // Graphviz in WebAssembly: no system binary needed.
  process.stdout.write(await renderSvg(dot));
  return 0;
}
