/**
 * `udp://` tracker URLs: the address to send to, and the BEP 41 URL data
 * (the path and query) that announces carry.
 *
 * @module
 */
import { ErrorCode, WiremachineError } from '@wiremachine/core';

/** A parsed `udp://host:port/path?query` tracker URL. */
export interface TrackerUrl {
  /** Host name or address, IPv6 without brackets. */
  host: string;
  port: number;
  /** BEP 41 URL data: the path and query, `''` when the URL has neither. */
  urlData: string;
}

/**
 * Parse a `udp://` tracker URL.
 *
 * @example
 * ```ts
 * parseTrackerUrl('udp://[::1]:6969/announce?key=abc');
 * // { host: '::1', port: 6969, urlData: '/announce?key=abc' }
 * ```
 */
export function parseTrackerUrl(url: string): TrackerUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (e) {
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `not a URL: ${url}`, { cause: e });
  }
  if (parsed.protocol !== 'udp:' || parsed.hostname === '' || parsed.port === '') {
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `a tracker URL is udp://host:port[/path], got ${url}`);
  }
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return { host, port: Number(parsed.port), urlData: `${parsed.pathname}${parsed.search}` };
}
