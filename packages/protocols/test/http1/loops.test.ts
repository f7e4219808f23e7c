/**
 * The scanner's functions with many paths have no loop of their own: their
 * loops are small functions with one path (see Scanner.scan). A function
 * whose loop runs when V8 optimizes it is also compiled for entry in the
 * middle of that loop; once its optimized code is thrown away (a head took a
 * path not taken before), every call entered the loop-entry code from the
 * unoptimized function, at twice the cost, for up to hundreds of thousands of
 * heads (seen in 1 of 3 to 1 of 10 processes of the http1 benchmark).
 */
import { expect, it } from 'vitest';
import { Scanner } from '../../src/http1/scan.js';

it('keeps loops out of the scanner functions with many paths', () => {
  const proto = Scanner.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['scanHead', 'requestLine', 'statusLine', 'fieldLine']) {
    expect(typeof proto[name], name).toBe('function');
    expect(proto[name].toString(), name).not.toMatch(/\b(for|while)\s*\(|\bdo\s*\{/);
  }
  // The loop over the lines calls the line's work and does nothing else.
  expect(proto.scan.toString()).toMatch(/while \(i >= 0\) i = this\.fieldLine\(i\);/);
});
