import { ErrorCode, fail, protocolTypes, StreamClosedError, until as untilDelim } from '@wiremachine/core';
import { lineProtocol } from '@wiremachine/examples/protocols/line';
import { afterEach, describe, expect, test } from 'vitest';
import { emit, setup } from 'xstate';
import { connect, TransportError, UnexpectedPlaintextError } from '../src/index.js';
import { type SocketServer, type StartTlsResult, startTls, tcpConnect, tcpListen } from '../src/node/index.js';
import { makeCertificate } from './cert.js';
import { enc, rejection, txt, until, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

const pem = makeCertificate();

type Command = { type: 'command'; text: string } | { type: 'starttls' };

/** SMTP-like commands, one a line; the machine ends on STARTTLS and hands the connection over. */
const commands = setup({
  types: protocolTypes<Record<string, never>, Command>(),
  guards: { isStartTls: ({ event }) => event.type === 'read' && txt(event.data) === 'STARTTLS' },
}).createMachine({
  context: {},
  initial: 'command',
  states: {
    command: {
      meta: { read: untilDelim('\r\n', { maxBytes: 512, strip: true }) },
      on: {
        read: [
          { guard: 'isStartTls', target: 'upgrade', actions: emit({ type: 'starttls' as const }) },
          { actions: emit(({ event }) => ({ type: 'command' as const, text: txt(event.data) })) },
        ],
        eof: { actions: fail('TRUNCATED') },
      },
    },
    upgrade: { type: 'final' },
  },
});

/** One reply line, then the end: the client's side of the upgrade. */
const oneReply = setup({
  types: protocolTypes<Record<string, never>, { type: 'reply'; text: string }>(),
}).createMachine({
  context: {},
  initial: 'reply',
  states: {
    reply: {
      meta: { read: untilDelim('\r\n', { maxBytes: 512, strip: true }) },
      on: {
        read: { target: 'done', actions: emit(({ event }) => ({ type: 'reply' as const, text: txt(event.data) })) },
      },
    },
    done: { type: 'final' },
  },
});

let server: SocketServer | undefined;
afterEach(async () => {
  if (server !== undefined) {
    await until(async () => (await server?.connections()) === 0, 2000, 'server sockets closed');
    await server.close();
    server = undefined;
  }
});

describe.skipIf(pem === null)('STARTTLS', () => {
  const { key, cert } = pem ?? { key: '', cert: '' };

  /** A server that reads commands until STARTTLS, then upgrades with `rule`; reports what happened. */
  async function upgradingServer(rule: 'reject' | 'return') {
    let report!: (r: { before: Command[]; upgrade: StartTlsResult | Error; after: string[] }) => void;
    const outcome = new Promise<Parameters<typeof report>[0]>((r) => {
      report = r;
    });
    server = await tcpListen({ port: 0 }, async (t) => {
      const plain = connect(commands, t);
      const before: Command[] = [];
      for await (const c of plain) before.push(c);
      let upgrade: StartTlsResult;
      try {
        upgrade = await startTls(plain, { role: 'server', key, cert, plaintext: rule, reply: enc('220 Ready\r\n') });
      } catch (e) {
        report({ before, upgrade: e as Error, after: [] });
        return;
      }
      const secure = connect(lineProtocol, upgrade.transport);
      const after: string[] = [];
      for await (const l of secure) after.push(l.text);
      await secure.write(enc('250 Bye\r\n'));
      secure.close();
      report({ before, upgrade, after });
    });
    return { outcome };
  }

  /** The client: send `opening` in one write, read the reply, upgrade, send `secureLines`, half-close. */
  async function client(opening: string, secureLines: string) {
    const plain = connect(oneReply, await tcpConnect({ port: (server as SocketServer).port }));
    await plain.write(enc(opening));
    const reply = await within(plain.read());
    const { transport, plaintext } = await startTls(plain, {
      role: 'client',
      ca: cert,
      servername: 'localhost',
    });
    expect(plaintext).toEqual(new Uint8Array(0));
    const secure = connect(lineProtocol, transport);
    await secure.write(enc(secureLines));
    await secure.end();
    const answer = await within(secure.read());
    secure.close();
    return { reply, answer };
  }

  test('an upgrade with nothing sent early: plain commands, then TLS', async () => {
    const { outcome } = await upgradingServer('reject');
    const { reply, answer } = await client('EHLO client\r\nSTARTTLS\r\n', 'NOOP\r\nQUIT\r\n');
    expect(reply).toEqual({ type: 'reply', text: '220 Ready' });
    expect(answer).toEqual({ type: 'line', text: '250 Bye' });
    const { before, upgrade, after } = await within(outcome);
    expect(before).toEqual([{ type: 'command', text: 'EHLO client' }, { type: 'starttls' }]);
    expect((upgrade as StartTlsResult).plaintext).toEqual(new Uint8Array(0));
    expect(after).toEqual(['NOOP', 'QUIT']);
  });

  test("plaintext pipelined after STARTTLS is handed over ('return'), never read as if it came over TLS", async () => {
    const { outcome } = await upgradingServer('return');
    const { answer } = await client('STARTTLS\r\nRCPT TO:<victim@example.com>\r\n', 'NOOP\r\n');
    expect(answer).toEqual({ type: 'line', text: '250 Bye' });
    const { upgrade, after } = await within(outcome);
    expect(txt((upgrade as StartTlsResult).plaintext)).toBe('RCPT TO:<victim@example.com>\r\n');
    expect(after).toEqual(['NOOP']); // the injected command is not among them
  });

  test("by default ('reject') pipelined plaintext fails the upgrade: no handshake, the socket is closed", async () => {
    const { outcome } = await upgradingServer('reject');
    const plain = connect(oneReply, await tcpConnect({ port: (server as SocketServer).port }));
    await plain.write(enc('STARTTLS\r\nRSET\r\n'));
    const { upgrade } = await within(outcome);
    expect(upgrade).toBeInstanceOf(UnexpectedPlaintextError);
    expect((upgrade as UnexpectedPlaintextError).code).toBe('WIREMACHINE_ERR_UNEXPECTED_PLAINTEXT');
    expect(txt((upgrade as UnexpectedPlaintextError).plaintext)).toBe('RSET\r\n');
    // The client never gets its "220": its read fails with the closed socket.
    expect(await within(rejection(plain.read()))).toBeInstanceOf(StreamClosedError);
    plain.close();
  });

  test('a client that sends junk instead of a handshake fails the upgrade with TransportError', async () => {
    const { outcome } = await upgradingServer('reject');
    const plain = connect(oneReply, await tcpConnect({ port: (server as SocketServer).port }));
    await plain.write(enc('STARTTLS\r\n'));
    expect(await within(plain.read())).toEqual({ type: 'reply', text: '220 Ready' });
    await (plain.transport.write(enc('this is not a ClientHello\r\n\r\n')) as Promise<void>);
    const { upgrade } = await within(outcome);
    expect(upgrade).toBeInstanceOf(TransportError);
    plain.close();
  });

  test('startTls refuses a connection whose machine has not ended', async () => {
    server = await tcpListen({ port: 0 }, (t) => t.start({ data: () => {}, end: () => t.close() }));
    const plain = connect(commands, await tcpConnect({ port: server.port }));
    await expect(startTls(plain, { role: 'client' })).rejects.toMatchObject({
      code: ErrorCode.INVALID_STATE,
    });
    plain.close();
  });
});
