/** Commands in RESP: an array of bulk strings. */

const utf8 = new TextEncoder();

/** One command, `*N\r\n` then `$len\r\narg\r\n` for each argument. */
export function encodeCommand(args: readonly (string | number | Uint8Array)[]): Uint8Array {
  const parts: Uint8Array[] = [utf8.encode(`*${args.length}\r\n`)];
  for (const arg of args) {
    const body = arg instanceof Uint8Array ? arg : utf8.encode(String(arg));
    parts.push(utf8.encode(`$${body.length}\r\n`), body, utf8.encode('\r\n'));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
