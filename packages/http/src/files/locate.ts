/**
 * From a request target to a file under the root: the path decoded, its
 * segments checked, then its real location (symbolic links resolved) checked
 * against the root's, which was resolved once.
 *
 * @module
 */
import { constants, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { closeFd, openFd, statFd } from './fd.js';
import type { ResolvedFilesOptions } from './options.js';

/** @internal What a request target names. */
export type Located =
  /** A regular file, by its real path, opened (`fd`: the caller closes it) and its stats, taken from the open file. */
  | { readonly kind: 'file'; readonly path: string; readonly fd: number; readonly stats: Stats }
  /** A directory with no index file, to list (`shown` is the decoded request path, ending in `/`). */
  | { readonly kind: 'directory'; readonly path: string; readonly shown: string }
  /** A directory named without its trailing slash: the same target with one. */
  | { readonly kind: 'redirect'; readonly location: string }
  /** 400 for a target that cannot be decoded; 404 for anything not served. */
  | { readonly kind: 'status'; readonly status: 400 | 404 };

const BAD: Located = { kind: 'status', status: 400 };
const NOT_FOUND: Located = { kind: 'status', status: 404 };

/** @internal Finds the files a root serves. */
export class Locator {
  /** `root` must already be a real path (absolute, no symbolic link in it). */
  constructor(
    private readonly root: string,
    private readonly o: ResolvedFilesOptions,
  ) {}

  async locate(target: string): Promise<Located> {
    let url: URL;
    try {
      // An origin-form target is a path even when it starts with `//` (which the URL parser reads as a host).
      url = target.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target);
    } catch {
      return BAD;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return BAD;
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return BAD; // a malformed percent-escape, such as %zz or a lone byte of UTF-8
    }
    if (path.includes('\0')) return BAD;
    const segments = path.split('/').filter((s) => s !== '');
    for (const s of segments) {
      // `..` can only appear here through an encoded slash (the URL parser resolves the others).
      if (s === '..' || (sep === '\\' && (s.includes('\\') || s.includes(':')))) return NOT_FOUND;
      if (!this.o.dotfiles && s.startsWith('.')) return NOT_FOUND;
    }
    const real = await this.real(join(this.root, ...segments));
    if (real === null) return NOT_FOUND;
    const found = await openFound(real);
    if (found === null) return NOT_FOUND;
    const wantsDirectory = path.endsWith('/');
    if (found.stats.isDirectory()) {
      // Relative links in the index or the listing need the slash. Leading slashes are collapsed
      // so that the Location is never read as another host (`//evil.example/`).
      if (!wantsDirectory) return { kind: 'redirect', location: `${url.pathname.replace(/^\/+/, '/')}/${url.search}` };
      if (this.o.index !== false) {
        const index = await this.real(join(real, this.o.index));
        const opened = index === null ? null : await openFound(index);
        if (opened !== null && opened.fd >= 0)
          return { kind: 'file', path: index as string, fd: opened.fd, stats: opened.stats };
      }
      return this.o.list ? { kind: 'directory', path: real, shown: path } : NOT_FOUND;
    }
    // A file named with a trailing slash (`/index.html/`) is not that file.
    if (found.fd < 0 || wantsDirectory) {
      if (found.fd >= 0) await closeFd(found.fd);
      return NOT_FOUND;
    }
    return { kind: 'file', path: real, fd: found.fd, stats: found.stats };
  }

  /**
   * The real path of `path`, or null when it does not exist, when it is
   * outside the root (unless symbolic links are followed), or when a name
   * on its real path under the root starts with a dot (unless dotfiles are
   * served).
   */
  async real(path: string): Promise<string | null> {
    const real = await realpath(path).catch(() => null);
    if (real === null) return null;
    const inside = real === this.root || real.startsWith(this.root.endsWith(sep) ? this.root : this.root + sep);
    if (!inside) return this.o.followSymlinks ? real : null;
    if (
      !this.o.dotfiles &&
      relative(this.root, real)
        .split(sep)
        .some((s) => s.startsWith('.'))
    )
      return null;
    return real;
  }
}

/**
 * Opens what a real path names and takes its stats from the open file (one
 * stat fewer for a file, and the stats are those of what is read). A regular
 * file stays open; anything else is closed (`fd` -1). O_NONBLOCK: a FIFO put
 * in place of a file does not hang the open. Null when nothing is there.
 */
async function openFound(path: string): Promise<{ fd: number; stats: Stats } | null> {
  let fd: number;
  try {
    fd = await openFd(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    // Windows cannot open a directory this way.
    const stats = await stat(path).catch(() => null);
    return stats?.isDirectory() ? { fd: -1, stats } : null;
  }
  try {
    const stats = await statFd(fd);
    if (stats.isFile()) return { fd, stats };
    await closeFd(fd);
    return { fd: -1, stats };
  } catch {
    await closeFd(fd).catch(() => {});
    return null;
  }
}
