import { createHash } from 'node:crypto';
import type { ReadRequest } from '@wiremachine/core';
import {
  checkLaw,
  chunkInvariance,
  declaredTransitions,
  eofStep,
  executorsAgree,
  type ModelStep,
  modelInputs,
  mutated,
  readStep,
  roundTrip,
  runChunks,
  transitionCoverage,
  typedRejection,
} from '@wiremachine/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  connectPg,
  createPgProtocol,
  encodeBackend,
  NOTICE_FIELDS,
  type PgMessage,
  type PgNoticeFields,
  PgServerError,
} from '../src/postgres/index.js';
import { hasPostgres, PASSWORD_USERS, startPostgres } from './pg-server.js';

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const uint32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const int16 = fc.integer({ min: -(2 ** 15), max: 2 ** 15 - 1 });
const cstr = fc.string({ maxLength: 12, unit: 'grapheme' }).filter((s) => !s.includes('\0'));
const data = fc.uint8Array({ maxLength: 24 });
const noticeFields: fc.Arbitrary<PgNoticeFields> = fc
  .record(Object.fromEntries(Object.values(NOTICE_FIELDS).map((name) => [name, cstr])), { requiredKeys: [] })
  .map((f) => f as PgNoticeFields);

/** Every backend message, with fields the encoder can write. */
const message: fc.Arbitrary<PgMessage> = fc.oneof(
  fc.constantFrom<PgMessage>(
    { type: 'authenticationOk' },
    { type: 'authenticationCleartextPassword' },
    { type: 'emptyQueryResponse' },
    { type: 'parseComplete' },
    { type: 'bindComplete' },
    { type: 'closeComplete' },
    { type: 'noData' },
    { type: 'portalSuspended' },
    { type: 'copyDone' },
  ),
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((salt) => ({ type: 'authenticationMD5Password' as const, salt })),
  fc
    .array(
      cstr.filter((s) => s !== ''),
      { maxLength: 3 },
    )
    .map((mechanisms) => ({ type: 'authenticationSASL' as const, mechanisms })),
  data.map((d) => ({ type: 'authenticationSASLContinue' as const, data: d })),
  data.map((d) => ({ type: 'authenticationSASLFinal' as const, data: d })),
  fc.record({ type: fc.constant('parameterStatus' as const), name: cstr, value: cstr }),
  fc.record({ type: fc.constant('backendKeyData' as const), processId: int32, secretKey: int32 }),
  fc.record({
    type: fc.constant('readyForQuery' as const),
    status: fc.constantFrom('I' as const, 'T' as const, 'E' as const),
  }),
  fc.record({
    type: fc.constant('rowDescription' as const),
    fields: fc.array(
      fc.record({
        name: cstr,
        tableOid: uint32,
        columnId: int16,
        typeOid: uint32,
        typeSize: int16,
        typeModifier: int32,
        format: fc.constantFrom(0, 1),
      }),
      { maxLength: 4 },
    ),
  }),
  fc.record({
    type: fc.constant('dataRow' as const),
    values: fc.array(fc.option(fc.string({ maxLength: 16 }), { nil: null }), { maxLength: 6 }),
  }),
  fc.record({ type: fc.constant('commandComplete' as const), tag: cstr }),
  fc.record({ type: fc.constantFrom('errorResponse' as const, 'noticeResponse' as const), fields: noticeFields }),
  fc.record({ type: fc.constant('parameterDescription' as const), typeOids: fc.array(uint32, { maxLength: 4 }) }),
  fc.record({
    type: fc.constantFrom('copyInResponse' as const, 'copyOutResponse' as const, 'copyBothResponse' as const),
    format: fc.constantFrom(0, 1),
    columnFormats: fc.array(fc.constantFrom(0, 1), { maxLength: 4 }),
  }),
  data.map((d) => ({ type: 'copyData' as const, data: d })),
  fc.record({ type: fc.constant('notificationResponse' as const), processId: int32, channel: cstr, payload: cstr }),
  fc.record({
    type: fc.constant('negotiateProtocolVersion' as const),
    minorVersion: int32,
    unrecognized: fc.array(cstr, { maxLength: 3 }),
  }),
  fc.option(data, { nil: null }).map((value) => ({ type: 'functionCallResponse' as const, value })),
);
const messages = fc.array(message, { maxLength: 6 });
const encodeAll = (ms: PgMessage[]) => Buffer.concat(ms.map(encodeBackend));
const stream = messages.map(encodeAll);
const pg = createPgProtocol({ maxMessageBytes: 4096 });
const params = { seed: 5432, numRuns: 200 };

describe('the PostgreSQL backend message parser', () => {
  test('laws: round trip, chunk invariance, executors agree, typed rejection', () => {
    checkLaw(roundTrip(pg, messages, encodeAll, { expected: (ms) => ms }), params);
    checkLaw(chunkInvariance(pg, fc.oneof(stream, mutated(stream))), params);
    checkLaw(executorsAgree(pg, fc.oneof(stream, mutated(stream))), { ...params, numRuns: 80 });
    checkLaw(typedRejection(pg, fc.oneof(mutated(stream), fc.uint8Array({ maxLength: 100 }))), params);
  });

  test('typed errors: unknown type, short length, over the limit, malformed body, truncation', () => {
    const codeOf = (bytes: Uint8Array) => runChunks(pg, [bytes]).error?.code;
    const head = (type: string, length: number) => {
      const b = Buffer.alloc(5);
      b.write(type, 0, 'latin1');
      b.writeInt32BE(length, 1);
      return b;
    };
    expect(codeOf(head('x', 4))).toBe('PG_UNKNOWN_MESSAGE');
    expect(codeOf(head('Z', 3))).toBe('PG_BAD_LENGTH');
    // Rejected on its header, before any of the body arrives.
    expect(codeOf(head('D', 4 + 4097))).toBe('PG_MESSAGE_TOO_LONG');
    expect(codeOf(head('D', 4 + 4096))).toBe('PG_TRUNCATED');
    expect(codeOf(head('Z', 5).subarray(0, 3))).toBe('PG_TRUNCATED');
    expect(codeOf(Buffer.concat([head('Z', 5), Buffer.from('X')]))).toBe('PG_BAD_MESSAGE');
    expect(codeOf(Buffer.concat([head('S', 6), Buffer.from('a\0')]))).toBe('PG_BAD_MESSAGE');
    expect(codeOf(Buffer.concat([head('D', 10), Buffer.from([0, 1, 0, 0, 0, 9])]))).toBe('PG_BAD_MESSAGE');
    const error = runChunks(pg, [Buffer.concat([encodeBackend({ type: 'noData' }), head('D', 9999)])]).error;
    expect(error).toMatchObject({ code: 'PG_MESSAGE_TOO_LONG', offset: 5, state: 'header' });
    expect(runChunks(pg, [encodeAll([{ type: 'copyDone' }])]).error).toBeNull();
  });

  test('DataRow: NULL, empty and UTF-8 values; bytes on request', () => {
    const row = encodeBackend({ type: 'dataRow', values: [null, '', 'héllo ☃', 'x'] });
    expect(runChunks(pg, [row]).outputs).toEqual([{ type: 'dataRow', values: [null, '', 'héllo ☃', 'x'] }]);
    const asBytes = runChunks(createPgProtocol({ bytes: true }), [row]).outputs[0] as { values: unknown[] };
    expect(asBytes.values).toEqual([null, new Uint8Array(0), new TextEncoder().encode('héllo ☃'), Uint8Array.of(120)]);
  });

  test('model-based inputs take every declared transition', () => {
    // A step's event carries what the read's decoder makes of its bytes, as the driver's does;
    // bytes the decoder refuses (an unknown type, a bad length) take no transition.
    const decoded = (read: { map?: ((b: Uint8Array, s: number, e: number) => unknown) | null }, step: ModelStep) => {
      if (step.event.type !== 'read' || !read.map) return [step];
      try {
        return [{ ...step, event: { ...step.event, value: read.map(step.bytes, 0, step.bytes.length) } }];
      } catch {
        return [];
      }
    };
    const steps = ({ read }: { read: ReadRequest | null }): ModelStep[] => {
      if (read?.kind !== 'bytes') return [];
      if (read.n === 5) {
        const z = encodeBackend({ type: 'readyForQuery', status: 'I' });
        return [
          readStep(z.subarray(0, 5)),
          readStep(Uint8Array.of(0x78, 0, 0, 0, 4)),
          readStep(Uint8Array.of(0x5a, 0, 0, 0, 3)),
          readStep(Uint8Array.of(0x44, 0, 1, 0, 0)),
          eofStep(),
          { ...eofStep(), bytes: Uint8Array.of(0x5a) },
        ].flatMap((step) => decoded(read, step));
      }
      return [readStep(Uint8Array.of(0x49)), eofStep()];
    };
    const inputs = modelInputs(pg, { steps, stateKey: (s) => String(s.value) });
    const report = transitionCoverage(
      pg,
      inputs.map((i) => i.bytes),
    );
    expect(report.missed).toEqual([]);
    expect(report.total).toBe(declaredTransitions(pg).length);
  });
});

describe.skipIf(!hasPostgres)('against a real PostgreSQL server', () => {
  let server: Awaited<ReturnType<typeof startPostgres>>;
  const connect = (extra: Partial<Parameters<typeof connectPg>[0]> = {}) =>
    connectPg({ port: server.port, user: 'postgres', ...extra });
  beforeAll(async () => {
    server = await startPostgres();
    const admin = await connect();
    await admin.query(
      [
        `CREATE ROLE ${PASSWORD_USERS.scram} LOGIN PASSWORD 'secret-pw'`,
        `CREATE ROLE ${PASSWORD_USERS.cleartext} LOGIN PASSWORD 'secret-pw'`,
        "SET password_encryption = 'md5'",
        `CREATE ROLE ${PASSWORD_USERS.md5} LOGIN PASSWORD 'secret-pw'`,
      ].join(';'),
    );
    await admin.close();
  }, 60_000);
  afterAll(() => server?.stop());

  test('startup with trust authentication: parameters and the backend key', async () => {
    const db = await connect();
    expect(db.parameters.get('server_version')).toMatch(/^\d+/);
    expect(db.parameters.get('client_encoding')).toBe('UTF8');
    expect(db.processId).toBeGreaterThan(0);
    const [r] = await db.query('SELECT pg_backend_pid()');
    expect(r.rows).toEqual([[String(db.processId)]]);
    await db.close();
  });

  test('rows of many types, NULLs, several statements and an empty query', async () => {
    const db = await connect();
    const results = await db.query(
      `SELECT 42::int4 AS i, 9007199254740993::int8 AS big, 3.14159::numeric AS n, 'héllo ☃'::text AS t,
              true AS b, '\\xdeadbeef'::bytea AS by, '2024-02-29'::date AS d, '{"a":[1,2]}'::jsonb AS j,
              ARRAY[1,NULL,3] AS arr, NULL::text AS nothing, ''::text AS empty;
       SELECT g FROM generate_series(1, 3) g;`,
    );
    expect(results.map((r) => r.command)).toEqual(['SELECT 1', 'SELECT 3']);
    const [one, three] = results;
    expect(one.fields.map((f) => f.name)).toEqual([
      'i',
      'big',
      'n',
      't',
      'b',
      'by',
      'd',
      'j',
      'arr',
      'nothing',
      'empty',
    ]);
    expect(one.fields.map((f) => f.typeOid)).toEqual([23, 20, 1700, 25, 16, 17, 1082, 3802, 1007, 25, 25]);
    expect(one.rows).toEqual([
      [
        '42',
        '9007199254740993',
        '3.14159',
        'héllo ☃',
        't',
        '\\xdeadbeef',
        '2024-02-29',
        '{"a": [1, 2]}',
        '{1,NULL,3}',
        null,
        '',
      ],
    ]);
    expect(three.rows).toEqual([['1'], ['2'], ['3']]);
    expect(await db.query('')).toEqual([expect.objectContaining({ command: '', rows: [] })]);
    await db.close();
  });

  test('a large result: 20,000 rows across many reads', async () => {
    const db = await connect();
    const [r] = await db.query("SELECT g, repeat('x', g % 100), md5(g::text) FROM generate_series(1, 20000) g");
    expect(r.command).toBe('SELECT 20000');
    expect(r.rows.length).toBe(20000);
    expect(r.rows[19999]).toEqual(['20000', '', createHash('md5').update('20000').digest('hex')]);
    expect(r.rows[1234][1]).toBe('x'.repeat(1235 % 100));
    await db.close();
  });

  test('an error with every field the server sends, and the connection goes on', async () => {
    const db = await connect();
    await expect(db.query('SELECT 1/0')).rejects.toMatchObject({
      name: 'PgServerError',
      code: '22012',
      fields: expect.objectContaining({
        severity: 'ERROR',
        severityNonLocalized: 'ERROR',
        message: 'division by zero',
      }),
    });
    await db.query('CREATE TEMP TABLE u (id int CONSTRAINT u_pk PRIMARY KEY)');
    await db.query('INSERT INTO u VALUES (1)');
    const error = await db.query('INSERT INTO u VALUES (1)').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PgServerError);
    expect((error as PgServerError).fields).toMatchObject({
      code: '23505',
      detail: 'Key (id)=(1) already exists.',
      table: 'u',
      constraint: 'u_pk',
      file: expect.any(String),
      line: expect.stringMatching(/^\d+$/),
      routine: expect.any(String),
    });
    const syntax = await db.query('SELEC 1').catch((e: PgServerError) => e.fields);
    expect(syntax).toMatchObject({ code: '42601', position: '1' });
    expect((await db.query('SELECT 1'))[0].rows).toEqual([['1']]);
    await db.close();
  });

  test('a notice', async () => {
    const notices: PgNoticeFields[] = [];
    const db = await connect({ onNotice: (n) => notices.push(n) });
    await db.query("DO $$ BEGIN RAISE NOTICE 'hello %', 7 USING HINT = 'a hint'; END $$");
    expect(notices).toEqual([
      expect.objectContaining({ severity: 'NOTICE', message: 'hello 7', hint: 'a hint', code: '00000' }),
    ]);
    await db.close();
  });

  test('LISTEN/NOTIFY between two connections', async () => {
    const got: { processId: number; channel: string; payload: string }[] = [];
    const listener = await connect({ onNotification: (n) => got.push(n) });
    const sender = await connect();
    await listener.query('LISTEN events');
    await sender.query("NOTIFY events, 'one'; SELECT pg_notify('events', 'twö')");
    // The listener hears it with its next exchange at the latest; wait a bounded while.
    for (let i = 0; i < 50 && got.length < 2; i++) await listener.query('SELECT 1');
    expect(got).toEqual([
      { type: 'notificationResponse', processId: sender.processId, channel: 'events', payload: 'one' },
      { type: 'notificationResponse', processId: sender.processId, channel: 'events', payload: 'twö' },
    ]);
    await Promise.all([listener.close(), sender.close()]);
  });

  test('the extended protocol: parameters, their types, NULL, and an error', async () => {
    const db = await connect();
    const r = await db.execute('SELECT $1::int4 + 1 AS n, $2::text AS t, $3::text IS NULL AS isnull', [
      '41',
      'ünï',
      null,
    ]);
    expect(r.paramTypes).toEqual([23, 25, 25]);
    expect(r.fields.map((f) => f.name)).toEqual(['n', 't', 'isnull']);
    expect(r.rows).toEqual([['42', 'ünï', 't']]);
    expect(r.command).toBe('SELECT 1');
    await expect(db.execute('SELECT $1::int4', ['not a number'])).rejects.toMatchObject({ code: '22P02' });
    const insert = await db.execute('CREATE TEMP TABLE e AS SELECT 1 AS x');
    expect(insert.command).toBe('SELECT 1');
    await db.close();
  });

  test('COPY TO STDOUT', async () => {
    const db = await connect();
    const [r] = await db.query("COPY (SELECT g, 'row ' || g FROM generate_series(1, 3) g) TO STDOUT");
    expect(r.command).toBe('COPY 3');
    expect(Buffer.concat(r.copyData).toString()).toBe('1\trow 1\n2\trow 2\n3\trow 3\n');
    await db.close();
  });

  test.each([
    ['SCRAM-SHA-256', PASSWORD_USERS.scram],
    ['MD5', PASSWORD_USERS.md5],
    ['cleartext', PASSWORD_USERS.cleartext],
  ])('%s password authentication, and a wrong password refused', async (_method, user) => {
    const db = await connect({ user, database: 'postgres', password: 'secret-pw' });
    expect((await db.query('SELECT current_user'))[0].rows).toEqual([[user]]);
    await db.close();
    await expect(connect({ user, database: 'postgres', password: 'wrong' })).rejects.toMatchObject({ code: '28P01' });
  });

  test('a message over the limit fails with PG_MESSAGE_TOO_LONG', async () => {
    const db = await connect({ maxMessageBytes: 1000 });
    await expect(db.query("SELECT repeat('x', 5000)")).rejects.toMatchObject({ code: 'PG_MESSAGE_TOO_LONG' });
    await db.close();
  });
});
