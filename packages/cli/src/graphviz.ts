/**
 * Graphviz compiled to WebAssembly (`@viz-js/viz`): SVG from DOT text with no
 * system binary, in Node as in the inspector's page.
 */
import type { Viz } from '@viz-js/viz';

let viz: Promise<Viz> | undefined;

/** The SVG Graphviz's `dot` layout draws for `dot` (the DOT language), or an error naming what it refused. */
export async function renderSvg(dot: string): Promise<string> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  const result = (await viz).render(dot, { format: 'svg' });
  if (result.status !== 'success') {
    throw new Error(`Graphviz refused the diagram: ${result.errors.map((e) => e.message).join('; ')}`);
  }
  return result.output;
}
