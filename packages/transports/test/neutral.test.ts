/** The main entry point runs in browsers, Deno and Bun: nothing it imports, however deep, is from node:. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

function graph(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const text = readFileSync(file, 'utf8');
    seen.set(file, text);
    for (const m of text.matchAll(/(?:import|export)[^'"]*from\s+'(\.[^']+)'/g)) {
      visit(resolve(dirname(file), m[1].replace(/\.js$/, '.ts')));
    }
  };
  visit(entry);
  return seen;
}

test('src/index.ts and everything it imports use no node: module and no Node global', () => {
  const files = graph(resolve(src, 'index.ts'));
  expect(files.size).toBeGreaterThan(10);
  for (const [file, text] of files) {
    expect(file).not.toMatch(/[/\\]node[/\\]/);
    expect(text, file).not.toMatch(/from\s+'node:/);
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    expect(code, file).not.toMatch(/\b(Buffer|process)\.|\brequire\(/);
  }
});
