/** The values a RESP reply can hold, in RESP2 and RESP3. */

/** An error reply (`-ERR ...`, or RESP3's blob error `!`). */
export class RespError extends Error {
  override readonly name = 'RespError';
  /** The first word of the message: `ERR`, `WRONGTYPE`, ... */
  readonly kind: string;
  constructor(message: string) {
    super(message);
    this.kind = message.split(' ', 1)[0];
  }
}

/** A RESP3 verbatim string (`=`): its format (`txt`, `mkd`) and text. */
export interface Verbatim {
  format: string;
  text: string;
}

/**
 * A reply value. Simple and bulk strings are strings (bulk strings decoded as
 * UTF-8, or kept as bytes with the `bytes` option); integers and big numbers
 * are bigints when they do not fit a double exactly.
 */
export type RespValue =
  | string
  | Uint8Array
  | number
  | bigint
  | boolean
  | null
  | RespError
  | Verbatim
  | RespValue[]
  | Map<RespValue, RespValue>
  | Set<RespValue>;
