/**
 * A small PostgreSQL client over node:net: the startup, trust, cleartext,
 * MD5 or SCRAM-SHA-256 authentication, simple queries, the extended protocol
 * (Parse/Bind/Describe/Execute/Sync), COPY TO STDOUT, and LISTEN/NOTIFY.
 * Every byte the server sends goes through the {@link createPgProtocol}
 * machine. Values come back as text, as the server sends them.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { createDriver, type WiremachineError } from '@wiremachine/core';
import {
  bindMessage,
  describeMessage,
  executeMessage,
  parseMessage,
  passwordMessage,
  queryMessage,
  saslInitialResponse,
  saslResponse,
  startupMessage,
  syncMessage,
  terminateMessage,
} from './encode.js';
import type { PgField, PgMessage, PgNoticeFields, PgValue } from './messages.js';
import { createPgProtocol } from './protocol.js';

/** Options of {@link connectPg}. */
export interface PgClientOptions {
  host?: string;
  port: number;
  user: string;
  database?: string;
  /** For cleartext, MD5 or SCRAM-SHA-256 authentication. */
  password?: string;
  /** The longest message the server may send (default 64 MiB). */
  maxMessageBytes?: number;
  /** NOTIFY messages on the channels this connection LISTENs to. */
  onNotification?: (n: { processId: number; channel: string; payload: string }) => void;
  /** Notices (warnings, RAISE NOTICE, ...). */
  onNotice?: (fields: PgNoticeFields) => void;
}

/** The result of one statement. */
export interface PgResult {
  /** The command tag: `SELECT 3`, `INSERT 0 1`, `COPY 2`, ... */
  command: string;
  fields: PgField[];
  rows: PgValue[][];
  /** COPY TO STDOUT: the data, as the server sent it. */
  copyData: Uint8Array[];
  /** The extended protocol: the parameters' type OIDs. */
  paramTypes: number[];
}

/** An ErrorResponse from the server, with every field it sent. */
export class PgServerError extends Error {
  override readonly name = 'PgServerError';
  constructor(readonly fields: PgNoticeFields) {
    super(fields.message ?? 'server error');
  }
  /** The SQLSTATE code. */
  get code() {
    return this.fields.code;
  }
}

/** A connected client. */
export interface PgClient {
  /** The server's ParameterStatus values (server_version, client_encoding, ...). */
  readonly parameters: ReadonlyMap<string, string>;
  readonly processId: number;
  /** One or more statements in the simple protocol: one result each. */
  query(sql: string): Promise<PgResult[]>;
  /** One statement in the extended protocol, with text parameters ($1, $2, ...). */
  execute(sql: string, params?: readonly (string | null)[]): Promise<PgResult>;
  /** Send Terminate and close. */
  close(): Promise<void>;
}

/** Consumes messages up to ReadyForQuery. */
interface Exchange {
  results: PgResult[];
  error: PgServerError | null;
  resolve: (results: PgResult[]) => void;
  reject: (error: Error) => void;
}

const emptyResult = (): PgResult => ({ command: '', fields: [], rows: [], copyData: [], paramTypes: [] });

const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');
const hmac = (key: Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it: no channel binding. */
class Scram {
  private readonly clientNonce = randomBytes(18).toString('base64');
  private readonly firstBare = `n=*,r=${this.clientNonce}`;
  private serverSignature = '';
  constructor(private readonly password: string) {}
  first(): Uint8Array {
    return Buffer.from(`n,,${this.firstBare}`);
  }
  final(serverFirst: string): Uint8Array {
    const attrs = new Map(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)] as const));
    const nonce = attrs.get('r') ?? '';
    const salt = Buffer.from(attrs.get('s') ?? '', 'base64');
    const iterations = Number(attrs.get('i'));
    if (!nonce.startsWith(this.clientNonce) || salt.length === 0 || !(iterations > 0))
      throw new Error('SCRAM: a malformed server-first-message');
    const salted = pbkdf2Sync(this.password, salt, iterations, 32, 'sha256');
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.firstBare},${serverFirst},${withoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]));
    this.serverSignature = hmac(hmac(salted, 'Server Key'), authMessage).toString('base64');
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }
  verify(serverFinal: string): void {
    if (serverFinal !== `v=${this.serverSignature}`)
      throw new Error('SCRAM: the server did not prove it knows the password');
  }
}

/** Connect, authenticate, and wait until the server is ready for queries. */
export function connectPg(options: PgClientOptions): Promise<PgClient> {
  return new Promise((resolveClient, rejectClient) => {
    const socket: Socket = connect({ host: options.host ?? '127.0.0.1', port: options.port });
    const parameters = new Map<string, string>();
    let processId = 0;
    let ready = false;
    let scram: Scram | null = null;
    let failure: Error | null = null;
    const queue: Exchange[] = [];
    let current: PgResult = emptyResult();

    const failAll = (error: Error) => {
      failure ??= error;
      if (!ready) rejectClient(error);
      for (const x of queue.splice(0)) x.reject(error);
      socket.destroy();
    };
    const password = () => {
      if (options.password === undefined) throw new Error('the server asks for a password');
      return options.password;
    };

    /** Messages during the startup. */
    const startup = (m: PgMessage) => {
      switch (m.type) {
        case 'authenticationCleartextPassword':
          return socket.write(passwordMessage(password()));
        case 'authenticationMD5Password': {
          const inner = md5(password() + options.user);
          return socket.write(passwordMessage(`md5${md5(Buffer.concat([Buffer.from(inner), m.salt]))}`));
        }
        case 'authenticationSASL':
          if (!m.mechanisms.includes('SCRAM-SHA-256')) throw new Error(`no supported SASL mechanism: ${m.mechanisms}`);
          scram = new Scram(password());
          return socket.write(saslInitialResponse('SCRAM-SHA-256', scram.first()));
        case 'authenticationSASLContinue':
          if (scram === null) throw new Error('SASLContinue before SASL');
          return socket.write(saslResponse(scram.final(Buffer.from(m.data).toString())));
        case 'authenticationSASLFinal':
          if (scram === null) throw new Error('SASLFinal before SASL');
          return scram.verify(Buffer.from(m.data).toString());
        case 'authenticationOk':
          return;
        case 'authenticationOther':
          throw new Error(`an authentication method this client does not speak (${m.code})`);
        case 'backendKeyData':
          processId = m.processId;
          return;
        case 'errorResponse':
          throw new PgServerError(m.fields);
        case 'readyForQuery':
          ready = true;
          return resolveClient(client);
      }
    };

    /** Messages of the exchange at the head of the queue. */
    const exchange = (m: PgMessage) => {
      const x = queue[0];
      if (x === undefined) throw new Error(`a ${m.type} with no query waiting for it`);
      switch (m.type) {
        case 'rowDescription':
          current.fields = m.fields;
          return;
        case 'dataRow':
          current.rows.push(m.values);
          return;
        case 'copyData':
          current.copyData.push(m.data);
          return;
        case 'parameterDescription':
          current.paramTypes = m.typeOids;
          return;
        case 'commandComplete':
          current.command = m.tag;
          x.results.push(current);
          current = emptyResult();
          return;
        case 'emptyQueryResponse':
          x.results.push(current);
          current = emptyResult();
          return;
        case 'errorResponse':
          x.error = new PgServerError(m.fields);
          current = emptyResult();
          return;
        case 'readyForQuery':
          queue.shift();
          if (x.error !== null) x.reject(x.error);
          else x.resolve(x.results);
          return;
        // parseComplete, bindComplete, noData, copyOutResponse, copyDone, ...: nothing to keep.
      }
    };

    const driver = createDriver(createPgProtocol({ maxMessageBytes: options.maxMessageBytes ?? 64 * 1024 * 1024 }), {
      onOutput: (m: PgMessage) => {
        try {
          if (m.type === 'parameterStatus') parameters.set(m.name, m.value);
          else if (m.type === 'notificationResponse') options.onNotification?.(m);
          else if (m.type === 'noticeResponse') options.onNotice?.(m.fields);
          else if (ready) exchange(m);
          else startup(m);
        } catch (e) {
          failAll(e as Error);
        }
      },
      onError: (e: WiremachineError) => failAll(e),
    });

    const send = (bytes: Uint8Array[]): Promise<PgResult[]> =>
      new Promise((resolve, reject) => {
        if (failure !== null) return reject(failure);
        queue.push({ results: [], error: null, resolve, reject });
        socket.write(Buffer.concat(bytes));
      });

    const client: PgClient = {
      parameters,
      get processId() {
        return processId;
      },
      query: (sql) => send([queryMessage(sql)]),
      execute: async (sql, params = []) => {
        const [result] = await send([
          parseMessage('', sql),
          describeMessage('S', ''),
          bindMessage('', '', params),
          executeMessage(''),
          syncMessage(),
        ]);
        return result;
      },
      close: () =>
        new Promise<void>((resolve) => {
          if (socket.destroyed) return resolve();
          socket.once('close', () => resolve());
          socket.end(terminateMessage());
        }),
    };

    socket.on('data', (chunk) => driver.feed(chunk));
    socket.on('end', () => driver.end());
    socket.on('close', () => failAll(new Error('the connection closed')));
    socket.on('error', (e) => failAll(e));
    socket.once('connect', () =>
      socket.write(startupMessage({ user: options.user, database: options.database ?? options.user })),
    );
  });
}
