/** `wiremachine tracker serve | announce | scrape`: a UDP tracker and its client. */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { connectTracker, listenTracker } from '@wiremachine/tracker';
import { positive } from '../input.js';
import { jsonLine } from '../json.js';
import { HELP, UsageError } from '../usage.js';

function infoHash(hex: string): Uint8Array {
  if (!/^[0-9a-fA-F]{40}$/.test(hex)) throw new UsageError(`--info-hash takes 40 hex digits, not "${hex}"`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '6969' },
      interval: { type: 'string', default: '1800' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP['tracker serve']);
    return 0;
  }
  const port = values.port === '0' ? 0 : (positive('--port', values.port) as number);
  const ipv6 = values.host.includes(':');
  const tracker = await listenTracker({
    announceInterval: positive('--interval', values.interval),
    udp4: ipv6 ? false : { address: values.host, port },
    udp6: ipv6 ? { address: values.host, port } : false,
  });
  const bound = tracker.udp4 ?? tracker.udp6;
  const host = ipv6 ? `[${bound?.address}]` : bound?.address;
  console.log(jsonLine({ type: 'listening', url: `udp://${host}:${bound?.port}/announce` }));
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  tracker.close();
  return 0;
}

async function exchange(args: string[], kind: 'announce' | 'scrape'): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'info-hash': { type: 'string', multiple: true, default: [] },
      event: { type: 'string', default: 'started' },
      port: { type: 'string', default: '6881' },
      left: { type: 'string', default: '0' },
      'peer-id': { type: 'string' },
      timeout: { type: 'string', default: '15000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP[`tracker ${kind}`]);
    return 0;
  }
  const url = positionals[0];
  if (url === undefined) throw new UsageError('give the tracker URL, such as udp://127.0.0.1:6969/announce');
  const hashes = values['info-hash'].map(infoHash);
  if (hashes.length === 0) throw new UsageError('give --info-hash HEX');
  if (kind === 'announce' && hashes.length > 1) throw new UsageError('announce takes one --info-hash');
  const event = values.event;
  if (!['started', 'completed', 'stopped', 'none'].includes(event)) {
    throw new UsageError(`--event is started, completed, stopped or none, not "${event}"`);
  }
  if (!/^\d+$/.test(values.left)) throw new UsageError(`--left takes a whole number of bytes, not "${values.left}"`);
  const timeout = positive('--timeout', values.timeout) as number;
  let client: Awaited<ReturnType<typeof connectTracker>>;
  try {
    client = await connectTracker(url);
  } catch (e) {
    throw new UsageError(`cannot use ${url}: ${(e as Error).message}`);
  }
  const signal = AbortSignal.timeout(timeout);
  try {
    if (kind === 'announce') {
      const peerId =
        values['peer-id'] === undefined
          ? Uint8Array.from(randomBytes(20))
          : Uint8Array.from(Buffer.from(values['peer-id'].padEnd(20, '-').slice(0, 20), 'latin1'));
      const result = await client.announce(
        {
          infoHash: hashes[0],
          peerId,
          port: positive('--port', values.port) as number,
          left: BigInt(values.left),
          event: event as 'started' | 'completed' | 'stopped' | 'none',
        },
        { signal },
      );
      console.log(jsonLine({ type: 'announce', ...result }));
    } else {
      const entries = await client.scrape(hashes, { signal });
      console.log(
        jsonLine({
          type: 'scrape',
          files: entries.map((e, i) => ({ infoHash: values['info-hash'][i].toLowerCase(), ...e })),
        }),
      );
    }
    return 0;
  } catch (e) {
    const err = e as Error & { code?: string };
    const timedOut = signal.aborted;
    console.log(
      jsonLine(
        timedOut
          ? { type: 'error', code: 'WIREMACHINE_ERR_TIMEOUT', message: `no answer within ${timeout} ms` }
          : { type: 'error', code: err.code ?? 'ERROR', message: err.message },
      ),
    );
    return 1;
  } finally {
    client.close();
  }
}

export async function trackerCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'serve':
      return serve(rest);
    case 'announce':
    case 'scrape':
      return exchange(rest, sub);
    case undefined:
    case '-h':
    case '--help':
      console.log(HELP.tracker);
      return sub === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown tracker command "${sub}"; run 'wiremachine tracker --help'`);
  }
}
