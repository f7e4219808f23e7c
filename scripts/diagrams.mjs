// Writes each protocol's state diagram, generated from its machine, into the
// README that documents it, between `<!-- diagram:NAME -->` and
// `<!-- /diagram:NAME -->`. With --check, changes nothing and exits 1 when a
// diagram is out of date (CI runs it that way). Needs a build (`pnpm build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { toMermaid } from '../packages/core/dist/index.js';

/** README -> diagram name -> module and export that hold the machine. */
const DIAGRAMS = {
  'packages/protocols/src/http1/README.md': {
    request: ['../packages/protocols/dist/http1/index.js', 'createRequestMachine'],
    response: ['../packages/protocols/dist/http1/index.js', 'createResponseMachine'],
  },
  'examples/README.md': {
    line: ['../examples/dist/protocols/line.js', 'lineProtocol'],
    frame: ['../examples/dist/protocols/frame.js', 'frameProtocol'],
  },
};

const check = process.argv.includes('--check');
let stale = 0;
for (const [readme, diagrams] of Object.entries(DIAGRAMS)) {
  const before = readFileSync(readme, 'utf8');
  let text = before;
  for (const [name, [module, exported]] of Object.entries(diagrams)) {
    const found = (await import(module))[exported];
    // A machine, or a factory of one (its defaults).
    const machine = typeof found === 'function' ? found() : found;
    const open = `<!-- diagram:${name} -->`;
    const close = `<!-- /diagram:${name} -->`;
    const start = text.indexOf(open);
    const end = text.indexOf(close);
    if (start < 0 || end < start) {
      console.error(`${readme}: no ${open} ... ${close} block`);
      process.exit(1);
    }
    const block = `${open}\n\`\`\`mermaid\n${toMermaid(machine)}\`\`\`\n`;
    text = text.slice(0, start) + block + text.slice(end);
  }
  if (text !== before) {
    stale++;
    if (check) console.error(`${readme}: a state diagram is out of date; run \`pnpm diagrams\``);
    else writeFileSync(readme, text);
  }
}
process.exit(check && stale > 0 ? 1 : 0);
