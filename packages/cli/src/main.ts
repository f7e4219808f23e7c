#!/usr/bin/env node
/** The `wiremachine` command. */
import { benchCommand } from './commands/bench.js';
import { diagramCommand } from './commands/diagram.js';
import { fuzzCommand } from './commands/fuzz.js';
import { parseCommand } from './commands/parse.js';
import { serveCommand } from './commands/serve.js';
import { trackerCommand } from './commands/tracker.js';
import { HELP, UsageError } from './usage.js';
import './builtins.js';

// A reader that stops early (`wiremachine parse ... | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'parse':
      return parseCommand(args, false);
    case 'trace':
      return parseCommand(args, true);
    case 'diagram':
      return diagramCommand(args);
    case 'fuzz':
      return fuzzCommand(args);
    case 'bench':
      return benchCommand(args);
    case 'tracker':
      return trackerCommand(args);
    case 'serve':
      return serveCommand(args);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(HELP.main);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"; run 'wiremachine --help'`);
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (e: unknown) => {
    const usage = e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(`wiremachine: ${(e as Error).message}`);
    process.exitCode = usage ? 2 : 1;
  },
);
