#!/usr/bin/env node
/** The `wiremachine` command. */
// Commands and the built-in protocols are imported when needed: `fuzz` instruments the protocol modules
// for code coverage, which works only for modules imported after it has registered its loader hook.
import { HELP, UsageError } from './usage.js';

// A reader that stops early (`wiremachine parse ... | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'parse':
    case 'trace':
      await import('./builtins.js');
      return (await import('./commands/parse.js')).parseCommand(args, command === 'trace');
    case 'diagram':
      await import('./builtins.js');
      return (await import('./commands/diagram.js')).diagramCommand(args);
    case 'inspect':
      return (await import('./commands/inspect.js')).inspectCommand(args);
    case 'compile':
      await import('./builtins.js');
      return (await import('./commands/compile.js')).compileCommand(args);
    case 'fuzz':
      // Imports the built-in protocols itself, after instrumenting them.
      return (await import('./commands/fuzz.js')).fuzzCommand(args);
    case 'bench':
      return (await import('./commands/bench.js')).benchCommand(args);
    case 'tracker':
      return (await import('./commands/tracker.js')).trackerCommand(args);
    case 'serve':
      return (await import('./commands/serve.js')).serveCommand(args);
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
