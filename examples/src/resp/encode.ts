/** Commands in RESP: an array of bulk strings. */
import { concatBytes } from '@wiremachine/core';

const utf8 = new TextEncoder();

/** One command, `*N\r\n` then `$len\r\narg\r\n` for each argument. */
export function encodeCommand(args: readonly (string | number | Uint8Array)[]): Uint8Array {
  const parts: Uint8Array[] = [utf8.encode(`*${args.length}\r\n`)];
  for (const arg of args) {
    const body = arg instanceof Uint8Array ? arg : utf8.encode(String(arg));
    parts.push(utf8.encode(`$${body.length}\r\n`), body, utf8.encode('\r\n'));
  }
  return concatBytes(parts);
}
