/** WebSocket frames (RFC 6455 §5): what the parser emits, and an encoder. */

export const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

const utf8 = new TextDecoder();

/** A complete text message: its bytes (checked to be UTF-8) and, decoded on first use, its text. */
export class TextMessage {
  readonly type = 'text' as const;
  private decoded: string | undefined;
  constructor(
    readonly data: Uint8Array,
    /** The RSV bits of its first frame (0x40: RSV1, ...), for an extension. */
    readonly rsv: number,
  ) {}
  get text(): string {
    this.decoded ??= utf8.decode(this.data);
    return this.decoded;
  }
}

/** A complete binary message. */
export interface BinaryMessage {
  type: 'binary';
  data: Uint8Array;
  rsv: number;
}

/** What the frame parser emits: whole messages (fragments joined) and control frames. */
export type WsOutput =
  | TextMessage
  | BinaryMessage
  | { type: 'ping' | 'pong'; data: Uint8Array }
  /** `code` null: the close frame had no body (1005 to the application). */
  | { type: 'close'; code: number | null; reason: string };

/** A close code an endpoint may send (RFC 6455 §7.4, the IANA registry; 3000-4999 for applications). */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999)
  );
}

/** One frame to encode. */
export interface FrameSpec {
  opcode: number;
  payload: Uint8Array;
  /** Default true. */
  fin?: boolean;
  /** RSV bits (0x70 at most). */
  rsv?: number;
  /** A 4-byte masking key: the frame is masked with it (clients must mask). */
  mask?: Uint8Array | null;
}

/** Encodes one frame, with the shortest length form. */
export function encodeFrame(f: FrameSpec): Uint8Array {
  const n = f.payload.length;
  const ext = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const masked = f.mask != null;
  const out = new Uint8Array(2 + ext + (masked ? 4 : 0) + n);
  out[0] = (f.fin === false ? 0 : 0x80) | ((f.rsv ?? 0) & 0x70) | (f.opcode & 0x0f);
  out[1] = (masked ? 0x80 : 0) | (ext === 0 ? n : ext === 2 ? 126 : 127);
  const view = new DataView(out.buffer);
  if (ext === 2) view.setUint16(2, n);
  else if (ext === 8) view.setBigUint64(2, BigInt(n));
  let at = 2 + ext;
  if (masked && f.mask) {
    out.set(f.mask.subarray(0, 4), at);
    at += 4;
    for (let i = 0; i < n; i++) out[at + i] = f.payload[i] ^ f.mask[i & 3];
  } else out.set(f.payload, at);
  return out;
}

/** The body of a close frame: a code and a UTF-8 reason (none: an empty body). */
export function closePayload(code?: number, reason = ''): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const r = new TextEncoder().encode(reason);
  const out = new Uint8Array(2 + r.length);
  out[0] = code >> 8;
  out[1] = code & 0xff;
  out.set(r, 2);
  return out;
}
