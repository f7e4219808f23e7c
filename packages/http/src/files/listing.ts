/**
 * The HTML listing of a directory that has no index file: names escaped for
 * HTML, links percent-encoded, entries the server would refuse left out.
 *
 * @module
 */
import { opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator } from './locate.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** @internal Text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/**
 * @internal The listing of `dir` (a real path), shown as `shown` (the decoded
 * request path, ending in `/`). At most `max` entries are read; a listing
 * cut short says so.
 */
export async function listing(
  locator: Locator,
  dir: string,
  shown: string,
  dotfiles: boolean,
  max: number,
): Promise<string> {
  const entries: { name: string; directory: boolean }[] = [];
  let more = false;
  for await (const entry of await opendir(dir)) {
    if (!dotfiles && entry.name.startsWith('.')) continue;
    if (entries.length === max) {
      more = true;
      break;
    }
    let directory = entry.isDirectory();
    if (entry.isSymbolicLink()) {
      // Listed only when it would be served: its real path is checked as a request's would be.
      const real = await locator.real(join(dir, entry.name));
      const info = real === null ? null : await stat(real).catch(() => null);
      if (info === null || !(info.isDirectory() || info.isFile())) continue;
      directory = info.isDirectory();
    } else if (!directory && !entry.isFile()) continue;
    entries.push({ name: entry.name, directory });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const title = escapeHtml(`Index of ${shown}`);
  const items = entries.map(({ name, directory }) => {
    const slash = directory ? '/' : '';
    return `<li><a href="${escapeHtml(encodeURIComponent(name))}${slash}">${escapeHtml(name)}${slash}</a></li>`;
  });
  if (shown !== '/') items.unshift('<li><a href="../">../</a></li>');
  if (more) items.push(`<li>(only the first ${max} entries are listed)</li>`);
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n<body><h1>${title}</h1>\n<ul>\n${items.join('\n')}\n</ul></body></html>\n`;
}
