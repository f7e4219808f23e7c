import { readFileSync } from 'node:fs';
import { toMermaid } from '@wiremachine/core';
import { expect, test } from 'vitest';
import { ipv4ResponseMachine, requestMachine } from '../../src/tracker/index.js';

test("the README's state diagrams are the machines'", () => {
  const readme = readFileSync(new URL('../../src/tracker/README.md', import.meta.url), 'utf8');
  const diagrams = [...readme.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(diagrams).toEqual([toMermaid(requestMachine), toMermaid(ipv4ResponseMachine)]);
});
