/**
 * The options of `serveFiles`, and their defaults.
 *
 * @module
 */

/** Options of {@link serveFiles}. */
export interface FilesOptions {
  /**
   * Serve files and directories whose real location (symbolic links resolved)
   * is outside the root. Default `false`: such paths answer 404, as a missing
   * file does.
   */
  followSymlinks?: boolean;
  /** Serve names that start with a dot (`.env`, `.git/`). Default `false`: they answer 404. */
  dotfiles?: boolean;
  /** Answer a directory without an index file with an HTML listing. Default `false`: 404. */
  list?: boolean;
  /** The file served for a directory, or `false` for none. Default `'index.html'`. */
  index?: string | false;
  /** Seconds a response may be cached: `Cache-Control: public, max-age=N`. Default 0. */
  maxAge?: number;
  /**
   * Compress compressible types (gzip or brotli, as `Accept-Encoding` prefers)
   * when the file has at least `threshold` bytes. Default `{ threshold: 1024 }`;
   * `false` never compresses.
   */
  compress?: boolean | { threshold?: number };
  /** Most ranges honoured in one `Range` field (after overlapping ones are merged); more get the whole file. Default 50. */
  maxRanges?: number;
  /** Most entries shown in a directory listing. Default 10,000. */
  maxListing?: number;
}

/** @internal */
export interface ResolvedFilesOptions {
  readonly followSymlinks: boolean;
  readonly dotfiles: boolean;
  readonly list: boolean;
  readonly index: string | false;
  readonly cacheControl: string;
  /** Smallest file compressed; `Infinity` when compression is off. */
  readonly threshold: number;
  readonly maxRanges: number;
  readonly maxListing: number;
}

/** @internal */
export function resolveFilesOptions(o: FilesOptions = {}): ResolvedFilesOptions {
  const maxAge = o.maxAge ?? 0;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw new RangeError(`maxAge takes whole seconds, not ${maxAge}`);
  const c = o.compress ?? true;
  const threshold = c === false ? Number.POSITIVE_INFINITY : c === true ? 1024 : (c.threshold ?? 1024);
  if (!(threshold >= 0)) throw new RangeError(`compress.threshold takes a size in bytes, not ${threshold}`);
  const index = o.index ?? 'index.html';
  if (index !== false && (index === '' || index.includes('/') || index.includes('\\')))
    throw new RangeError(`index takes a file name, not ${JSON.stringify(index)}`);
  return {
    followSymlinks: o.followSymlinks ?? false,
    dotfiles: o.dotfiles ?? false,
    list: o.list ?? false,
    index,
    cacheControl: `public, max-age=${maxAge}`,
    threshold,
    maxRanges: o.maxRanges ?? 50,
    maxListing: o.maxListing ?? 10_000,
  };
}
