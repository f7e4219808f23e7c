/**
 * STARTTLS: upgrade a plain connection to TLS in place (SMTP RFC 3207, IMAP
 * and POP3 RFC 2595, LDAP, XMPP).
 *
 * The rule for bytes that arrive in plaintext after the upgrade request and
 * before the handshake: they are **never fed to the TLS stream**, nor to the
 * protocol after the upgrade. RFC 3207 section 4.2 has the client discard
 * what it knew before TLS, and CVE-2011-0411 is what happens when a server
 * keeps reading its plaintext buffer after the upgrade: an attacker who can
 * inject plaintext has commands run as if they had come over TLS.
 *
 * - `plaintext: 'reject'` (the default): if there are any, the socket is
 *   destroyed and `startTls` rejects with {@link UnexpectedPlaintextError}
 *   (which holds them). No handshake takes place.
 * - `plaintext: 'return'`: the handshake goes on, and the bytes are handed to
 *   the caller as `plaintext` in the result, to log or to drop.
 *
 * Bytes the peer sends later than that reach the TLS layer as they are: a
 * handshake they break fails with `TransportError`; they never become data.
 *
 * @module
 */
import type { Socket } from 'node:net';
import * as tls from 'node:tls';
import { concatBytes, ErrorCode, WiremachineError } from '@wiremachine/core';
import type { Connection } from '../connection.js';
import { withDeadline } from '../deadline.js';
import { TransportError, UnexpectedPlaintextError } from '../errors.js';
import { SocketTransport, type SocketTransportOptions } from './socket.js';
import { drain } from './stream.js';

/** What {@link startTls} does with plaintext that arrived before the handshake: see the module notes. */
export type PlaintextRule = 'reject' | 'return';

interface StartTlsCommon extends SocketTransportOptions {
  /** See {@link PlaintextRule}. Default `'reject'`. */
  plaintext?: PlaintextRule;
  /** Bytes to send in plaintext once the check passed, before the handshake: a server's "220 Ready". */
  reply?: Uint8Array;
  /** Milliseconds for the handshake (`TimeoutError`, `phase: 'handshake'`). */
  handshakeTimeout?: number;
  /** Cancels the upgrade (`AbortedError`); the socket is destroyed. */
  signal?: AbortSignal;
}

/** Options of {@link startTls}: the side, and its TLS settings. */
export type StartTlsOptions =
  | (StartTlsCommon & { role: 'server' } & tls.SecureContextOptions &
      Pick<tls.TlsOptions, 'requestCert' | 'rejectUnauthorized' | 'ALPNProtocols' | 'SNICallback'>)
  | (StartTlsCommon & { role: 'client' } & Omit<tls.ConnectionOptions, 'socket' | 'host' | 'port' | 'path'>);

/** The upgraded transport, and the plaintext that arrived before the handshake (`'return'` rule). */
export interface StartTlsResult {
  transport: SocketTransport;
  plaintext: Uint8Array;
}

/**
 * Upgrade a plain connection to TLS. `from` is either a {@link Connection}
 * whose machine reached its final state on the upgrade request (its
 * `remaining()` bytes count as early plaintext), or a {@link SocketTransport}.
 *
 * @example
 * ```ts
 * // Server: the machine ends on "STARTTLS"; answer, check, and upgrade.
 * const { transport } = await startTls(conn, { role: 'server', key, cert, reply: encode('220 Ready\r\n') });
 * const secure = connect(smtpCommands, transport);
 * ```
 */
export async function startTls<TOutput>(
  from: Connection<TOutput> | SocketTransport,
  options: StartTlsOptions,
): Promise<StartTlsResult> {
  const [transport, unread] = source(from);
  const rule = options.plaintext ?? 'reject';
  const socket = transport.socket;
  let plaintext = join([unread, ...transport.detach()]);
  const check = () => {
    if (plaintext.length > 0 && rule === 'reject') {
      socket.destroy();
      throw new UnexpectedPlaintextError(plaintext);
    }
  };
  check();
  if (options.reply !== undefined) {
    await send(socket, options.reply);
    // What came while the reply went out is early plaintext too.
    plaintext = join([plaintext, ...drain(socket)]);
    check();
  }
  const secure = await handshake(socket, options);
  const { idleTimeout, noDelay } = options;
  return { transport: new SocketTransport(secure, { idleTimeout, noDelay }), plaintext };
}

function source<TOutput>(from: Connection<TOutput> | SocketTransport): [SocketTransport, Uint8Array] {
  if (from instanceof SocketTransport) return [from, new Uint8Array(0)];
  if (!(from.transport instanceof SocketTransport)) {
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, 'startTls needs a connection over a socket transport');
  }
  if (from.status !== 'done') {
    throw new WiremachineError(
      ErrorCode.INVALID_STATE,
      `startTls needs a connection whose machine ended on the upgrade request (status: ${from.status})`,
    );
  }
  return [from.transport, from.remaining()];
}

function send(socket: Socket, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.write(data, (e) => (e ? reject(new TransportError('sending the reply failed', e)) : resolve())),
  );
}

function handshake(socket: Socket, options: StartTlsOptions): Promise<tls.TLSSocket> {
  let secure: tls.TLSSocket | undefined;
  return withDeadline<tls.TLSSocket>(
    { signal: options.signal, timeout: options.handshakeTimeout },
    { name: 'the TLS upgrade', phase: 'handshake' },
    (resolve, reject) => {
      const { role, plaintext, reply, handshakeTimeout, signal, idleTimeout, noDelay, ...settings } = options;
      const fail = (e: unknown) => {
        s.destroy();
        socket.destroy();
        reject(new TransportError('the TLS handshake failed', e));
      };
      let s: tls.TLSSocket;
      if (role === 'server') {
        const { requestCert, rejectUnauthorized, ALPNProtocols, SNICallback, ...context } =
          settings as tls.SecureContextOptions & tls.TlsOptions;
        s = new tls.TLSSocket(socket, {
          isServer: true,
          secureContext: tls.createSecureContext(context),
          requestCert,
          rejectUnauthorized,
          ALPNProtocols,
          SNICallback,
        });
        s.once('secure', () => done());
      } else {
        s = tls.connect({ ...(settings as tls.ConnectionOptions), socket });
        s.once('secureConnect', () => done());
      }
      secure = s;
      // Half-open only once secure: a peer that leaves mid-handshake must not leave the socket open.
      s.allowHalfOpen = false;
      s.once('error', fail);
      const done = () => {
        s.off('error', fail);
        s.allowHalfOpen = true;
        resolve(s);
      };
    },
    () => {
      secure?.destroy();
      socket.destroy();
    },
  );
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  const nonEmpty = parts.filter((p) => p.length > 0);
  return nonEmpty.length <= 1 ? (nonEmpty[0] ?? new Uint8Array(0)) : concatBytes(nonEmpty);
}
