/** The messages a PostgreSQL server sends (protocol 3.0), as the parser emits them. */

/** A column of a RowDescription. */
export interface PgField {
  name: string;
  /** The table's OID, or 0 when the column is not a table column. */
  tableOid: number;
  /** The column's attribute number in its table, or 0. */
  columnId: number;
  typeOid: number;
  /** The type's size (pg_type.typlen); negative for variable-width types. */
  typeSize: number;
  typeModifier: number;
  /** 0: text, 1: binary. */
  format: number;
}

/**
 * The fields of an ErrorResponse or NoticeResponse, by their one-letter
 * codes, named as PostgreSQL's documentation names them. Codes this list
 * does not know are kept in `other`.
 */
export interface PgNoticeFields {
  /** S: ERROR, FATAL, PANIC, WARNING, NOTICE, DEBUG, INFO or LOG, localized. */
  severity?: string;
  /** V: the same, never localized. */
  severityNonLocalized?: string;
  /** C: the SQLSTATE code. */
  code?: string;
  /** M */
  message?: string;
  /** D */
  detail?: string;
  /** H */
  hint?: string;
  /** P: a 1-based character index into the query. */
  position?: string;
  /** p */
  internalPosition?: string;
  /** q */
  internalQuery?: string;
  /** W */
  where?: string;
  /** s */
  schema?: string;
  /** t */
  table?: string;
  /** c */
  column?: string;
  /** d */
  dataType?: string;
  /** n */
  constraint?: string;
  /** F */
  file?: string;
  /** L */
  line?: string;
  /** R */
  routine?: string;
  /** Fields of codes not listed above, by code. */
  other?: Record<string, string>;
}

/** Field codes of ErrorResponse and NoticeResponse, and their names. */
export const NOTICE_FIELDS: Readonly<Record<string, keyof PgNoticeFields>> = {
  S: 'severity',
  V: 'severityNonLocalized',
  C: 'code',
  M: 'message',
  D: 'detail',
  H: 'hint',
  P: 'position',
  p: 'internalPosition',
  q: 'internalQuery',
  W: 'where',
  s: 'schema',
  t: 'table',
  c: 'column',
  d: 'dataType',
  n: 'constraint',
  F: 'file',
  L: 'line',
  R: 'routine',
};

/** A column value: text (decoded as UTF-8), bytes (with the `bytes` option), or null. */
export type PgValue = string | Uint8Array | null;

/** One backend message. */
export type PgMessage =
  | { type: 'authenticationOk' }
  | { type: 'authenticationCleartextPassword' }
  | { type: 'authenticationMD5Password'; salt: Uint8Array }
  | { type: 'authenticationSASL'; mechanisms: string[] }
  | { type: 'authenticationSASLContinue'; data: Uint8Array }
  | { type: 'authenticationSASLFinal'; data: Uint8Array }
  /** Kerberos (2), SCM (6), GSS (7), GSSContinue (8, with data), SSPI (9). */
  | { type: 'authenticationOther'; code: number; data: Uint8Array }
  | { type: 'parameterStatus'; name: string; value: string }
  | { type: 'backendKeyData'; processId: number; secretKey: number }
  /** I: idle, T: in a transaction, E: in a failed transaction. */
  | { type: 'readyForQuery'; status: 'I' | 'T' | 'E' }
  | { type: 'rowDescription'; fields: PgField[] }
  | { type: 'dataRow'; values: PgValue[] }
  | { type: 'commandComplete'; tag: string }
  | { type: 'emptyQueryResponse' }
  | { type: 'errorResponse'; fields: PgNoticeFields }
  | { type: 'noticeResponse'; fields: PgNoticeFields }
  | { type: 'parseComplete' }
  | { type: 'bindComplete' }
  | { type: 'closeComplete' }
  | { type: 'noData' }
  | { type: 'portalSuspended' }
  | { type: 'parameterDescription'; typeOids: number[] }
  | { type: 'copyInResponse' | 'copyOutResponse' | 'copyBothResponse'; format: number; columnFormats: number[] }
  | { type: 'copyData'; data: Uint8Array }
  | { type: 'copyDone' }
  | { type: 'notificationResponse'; processId: number; channel: string; payload: string }
  | { type: 'negotiateProtocolVersion'; minorVersion: number; unrecognized: string[] }
  | { type: 'functionCallResponse'; value: Uint8Array | null };

/** The type byte of each message. */
export const TYPE_BYTES = {
  authentication: 'R',
  parameterStatus: 'S',
  backendKeyData: 'K',
  readyForQuery: 'Z',
  rowDescription: 'T',
  dataRow: 'D',
  commandComplete: 'C',
  emptyQueryResponse: 'I',
  errorResponse: 'E',
  noticeResponse: 'N',
  parseComplete: '1',
  bindComplete: '2',
  closeComplete: '3',
  noData: 'n',
  portalSuspended: 's',
  parameterDescription: 't',
  copyInResponse: 'G',
  copyOutResponse: 'H',
  copyBothResponse: 'W',
  copyData: 'd',
  copyDone: 'c',
  notificationResponse: 'A',
  negotiateProtocolVersion: 'v',
  functionCallResponse: 'V',
} as const;
