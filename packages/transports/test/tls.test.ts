import { lineProtocol } from '@wiremachine/examples/protocols/line';
import { afterEach, describe, expect, test } from 'vitest';
import { type Connection, connect, TimeoutError, TransportError } from '../src/index.js';
import { type SocketServer, tcpListen, tlsConnect, tlsListen } from '../src/node/index.js';
import { makeCertificate } from './cert.js';
import { enc, rejection, until, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

const pem = makeCertificate();

let server: SocketServer | undefined;
afterEach(async () => {
  if (server !== undefined) {
    await until(async () => (await server?.connections()) === 0, 2000, 'server sockets closed');
    await server.close();
    server = undefined;
  }
});

describe.skipIf(pem === null)('tls', () => {
  const { key, cert } = pem ?? { key: '', cert: '' };

  test('a verified connection carries a protocol both ways, with half-close', async () => {
    let accept!: (c: Connection<{ type: 'line'; text: string }>) => void;
    const accepted = new Promise<Connection<{ type: 'line'; text: string }>>((r) => {
      accept = r;
    });
    server = await tlsListen({ port: 0, key, cert }, (t) => accept(connect(lineProtocol, t)));
    const t = await tlsConnect({ host: '127.0.0.1', port: server.port, ca: cert, servername: 'localhost' });
    expect(t.socket.constructor.name).toBe('TLSSocket');
    const mine = connect(lineProtocol, t);
    await mine.write(enc('hello\r\nover tls\r\n'));
    await mine.end();
    const theirs = await accepted;
    const got: string[] = [];
    for await (const l of theirs) got.push(l.text);
    expect(got).toEqual(['hello', 'over tls']);
    await theirs.write(enc('bye\r\n'));
    theirs.close();
    expect(await within(mine.read())).toEqual({ type: 'line', text: 'bye' });
    expect(await within(mine.read())).toBeNull();
    mine.close();
  });

  test('an unverifiable certificate fails the connect with a TransportError carrying the reason', async () => {
    server = await tlsListen({ port: 0, key, cert }, () => {
      throw new Error('no connection should get this far');
    });
    const err = await rejection(tlsConnect({ host: '127.0.0.1', port: server.port, servername: 'localhost' }));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.cause.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    await until(() => (server as SocketServer).errors.length === 1, 2000, 'the server saw the failed handshake');
  });

  test('a peer that never answers the handshake: connectTimeout', async () => {
    // A plain TCP server: it accepts, and never speaks TLS.
    server = await tcpListen({ port: 0 }, (t) => t.start({ data: () => {}, end: () => t.close() }));
    const err = await rejection(
      tlsConnect({ host: '127.0.0.1', port: server.port, ca: cert, servername: 'localhost', connectTimeout: 50 }),
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.phase).toBe('connect');
  });
});
