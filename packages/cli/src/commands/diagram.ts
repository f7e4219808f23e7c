/** `wiremachine diagram`. */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { toDot, toMermaid } from '@wiremachine/core';
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
  const rendered = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
  if (rendered.error || rendered.status !== 0) {
    console.error(
      `wiremachine: svg needs Graphviz's 'dot' command${rendered.error ? ', which was not found' : `, which failed: ${rendered.stderr}`} (or use --format dot)`,
    );
    return 1;
  }
  process.stdout.write(rendered.stdout);
  return 0;
}
