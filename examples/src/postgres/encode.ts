/**
 * Encoders: the frontend messages the client sends, and the backend messages
 * (for tests, benchmarks and fuzzing seeds: the parser's round trip).
 */
import { NOTICE_FIELDS, type PgMessage, type PgNoticeFields, TYPE_BYTES } from './messages.js';

const utf8 = new TextEncoder();

/** Builds one message: appends fields, then frames them with a type byte and length. */
class Writer {
  private parts: number[] = [];
  private chunks: Uint8Array[] = [];
  private size = 0;
  private flush() {
    if (this.parts.length === 0) return;
    this.chunks.push(Uint8Array.from(this.parts));
    this.size += this.parts.length;
    this.parts = [];
  }
  byte(v: number) {
    this.parts.push(v & 0xff);
    return this;
  }
  int16(v: number) {
    this.parts.push((v >> 8) & 0xff, v & 0xff);
    return this;
  }
  int32(v: number) {
    this.parts.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
    return this;
  }
  raw(b: Uint8Array) {
    this.flush();
    this.chunks.push(b);
    this.size += b.length;
    return this;
  }
  cstring(s: string) {
    return this.raw(utf8.encode(s)).byte(0);
  }
  /** The message: `type` (none for the startup message), length, body. */
  frame(type?: string): Uint8Array {
    this.flush();
    const head = type === undefined ? 0 : 1;
    const out = new Uint8Array(head + 4 + this.size);
    if (type !== undefined) out[0] = type.charCodeAt(0);
    new DataView(out.buffer).setInt32(head, this.size + 4);
    let at = head + 4;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function noticeBody(w: Writer, fields: PgNoticeFields) {
  for (const [code, name] of Object.entries(NOTICE_FIELDS)) {
    const v = fields[name];
    if (typeof v === 'string') w.byte(code.charCodeAt(0)).cstring(v);
  }
  for (const [code, v] of Object.entries(fields.other ?? {})) w.byte(code.charCodeAt(0)).cstring(v);
  return w.byte(0);
}

/** One backend message, as a server sends it. */
export function encodeBackend(m: PgMessage): Uint8Array {
  const w = new Writer();
  switch (m.type) {
    case 'authenticationOk':
      return w.int32(0).frame('R');
    case 'authenticationCleartextPassword':
      return w.int32(3).frame('R');
    case 'authenticationMD5Password':
      return w.int32(5).raw(m.salt).frame('R');
    case 'authenticationSASL':
      w.int32(10);
      for (const mech of m.mechanisms) w.cstring(mech);
      return w.byte(0).frame('R');
    case 'authenticationSASLContinue':
      return w.int32(11).raw(m.data).frame('R');
    case 'authenticationSASLFinal':
      return w.int32(12).raw(m.data).frame('R');
    case 'authenticationOther':
      return w.int32(m.code).raw(m.data).frame('R');
    case 'parameterStatus':
      return w.cstring(m.name).cstring(m.value).frame('S');
    case 'backendKeyData':
      return w.int32(m.processId).int32(m.secretKey).frame('K');
    case 'readyForQuery':
      return w.byte(m.status.charCodeAt(0)).frame('Z');
    case 'rowDescription':
      w.int16(m.fields.length);
      for (const f of m.fields) {
        w.cstring(f.name).int32(f.tableOid).int16(f.columnId).int32(f.typeOid);
        w.int16(f.typeSize).int32(f.typeModifier).int16(f.format);
      }
      return w.frame('T');
    case 'dataRow':
      w.int16(m.values.length);
      for (const v of m.values) {
        if (v === null) w.int32(-1);
        else {
          const b = typeof v === 'string' ? utf8.encode(v) : v;
          w.int32(b.length).raw(b);
        }
      }
      return w.frame('D');
    case 'commandComplete':
      return w.cstring(m.tag).frame('C');
    case 'errorResponse':
    case 'noticeResponse':
      return noticeBody(w, m.fields).frame(TYPE_BYTES[m.type]);
    case 'parameterDescription':
      w.int16(m.typeOids.length);
      for (const oid of m.typeOids) w.int32(oid);
      return w.frame('t');
    case 'copyInResponse':
    case 'copyOutResponse':
    case 'copyBothResponse':
      w.byte(m.format).int16(m.columnFormats.length);
      for (const f of m.columnFormats) w.int16(f);
      return w.frame(TYPE_BYTES[m.type]);
    case 'copyData':
      return w.raw(m.data).frame('d');
    case 'notificationResponse':
      return w.int32(m.processId).cstring(m.channel).cstring(m.payload).frame('A');
    case 'negotiateProtocolVersion':
      w.int32(m.minorVersion).int32(m.unrecognized.length);
      for (const o of m.unrecognized) w.cstring(o);
      return w.frame('v');
    case 'functionCallResponse':
      return (m.value === null ? w.int32(-1) : w.int32(m.value.length).raw(m.value)).frame('V');
    default:
      // The messages with no body.
      return w.frame(TYPE_BYTES[m.type]);
  }
}

// Frontend messages.

/** StartupMessage, protocol 3.0, with parameters such as `user` and `database`. */
export function startupMessage(params: Record<string, string>): Uint8Array {
  const w = new Writer().int32(196608);
  for (const [k, v] of Object.entries(params)) w.cstring(k).cstring(v);
  return w.byte(0).frame();
}
/** PasswordMessage: a cleartext or MD5-hashed password. */
export const passwordMessage = (password: string) => new Writer().cstring(password).frame('p');
/** SASLInitialResponse: the mechanism and the client's first message. */
export const saslInitialResponse = (mechanism: string, data: Uint8Array) =>
  new Writer().cstring(mechanism).int32(data.length).raw(data).frame('p');
/** SASLResponse: a later client message. */
export const saslResponse = (data: Uint8Array) => new Writer().raw(data).frame('p');
/** Query: one or more statements in the simple protocol. */
export const queryMessage = (sql: string) => new Writer().cstring(sql).frame('Q');
/** Parse: a statement (unnamed: ''), with parameter types (0: let the server infer). */
export const parseMessage = (name: string, sql: string, paramTypes: readonly number[] = []) => {
  const w = new Writer().cstring(name).cstring(sql).int16(paramTypes.length);
  for (const t of paramTypes) w.int32(t);
  return w.frame('P');
};
/** Bind: a portal from a statement, every parameter in text (null: SQL NULL), every result in text. */
export const bindMessage = (portal: string, statement: string, params: readonly (string | null)[]) => {
  const w = new Writer().cstring(portal).cstring(statement).int16(0).int16(params.length);
  for (const p of params) {
    if (p === null) w.int32(-1);
    else {
      const b = utf8.encode(p);
      w.int32(b.length).raw(b);
    }
  }
  return w.int16(0).frame('B');
};
/** Describe a statement (`S`) or a portal (`P`). */
export const describeMessage = (kind: 'S' | 'P', name: string) =>
  new Writer().byte(kind.charCodeAt(0)).cstring(name).frame('D');
/** Execute a portal; `maxRows` 0: all rows. */
export const executeMessage = (portal: string, maxRows = 0) => new Writer().cstring(portal).int32(maxRows).frame('E');
/** Sync: ends an extended-protocol exchange. */
export const syncMessage = () => new Writer().frame('S');
/** Terminate: the client is leaving. */
export const terminateMessage = () => new Writer().frame('X');
