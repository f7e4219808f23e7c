/**
 * The load generator of the `tracker` benchmark, run as a child process so
 * that it has a core of its own: told a port and a number of announces over
 * IPC, it sends them from a few connected UDP sockets, each keeping a window
 * of requests in flight, and reports when every one was answered. The same
 * generator drives every server in the run.
 *
 * Requests: connect once per socket and server, then announces (100 info
 * hashes, 500 peer ids, num_want 50), so swarms reach a steady size and every
 * reply carries up to 50 peers. A request unanswered for 200 ms is sent again
 * (counted), so a lost datagram cannot hang a run.
 *
 * @module
 */
import { createSocket, type Socket } from 'node:dgram';

/** A job from the parent: answer with `{ done, resent }`. */
export interface LoadJob {
  port: number;
  count: number;
}

const SOCKETS = 4;
const WINDOW = 32;
const TORRENTS = 100;
const PEERS = 500;
const RESEND_MS = 200;

interface Lane {
  socket: Socket;
  connectionId: Buffer | null;
  template: Buffer;
  /** Transaction id -> time sent, for the requests in flight. */
  inFlight: Map<number, number>;
}

let nextTid = 1;
let seed = 12345;
const random = (n: number) => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};

function announceTemplate(): Buffer {
  const b = Buffer.alloc(98);
  b.writeUInt32BE(1, 8);
  b.writeInt32BE(50, 92);
  return b;
}

async function openLane(port: number): Promise<Lane> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve));
  return { socket, connectionId: null, template: announceTemplate(), inFlight: new Map() };
}

function connectOnce(lane: Lane): Promise<void> {
  return new Promise((resolve) => {
    const request = Buffer.alloc(16);
    request.writeBigUInt64BE(0x41727101980n, 0);
    request.writeUInt32BE(0xc0ffee, 12);
    const onMessage = (m: Buffer) => {
      if (m.length >= 16 && m.readUInt32BE(0) === 0) {
        lane.connectionId = m.subarray(8, 16);
        lane.socket.off('message', onMessage);
        clearInterval(timer);
        resolve();
      }
    };
    lane.socket.on('message', onMessage);
    const timer = setInterval(() => lane.socket.send(request), RESEND_MS);
    lane.socket.send(request);
  });
}

function sendAnnounce(lane: Lane, tid: number): void {
  const b = lane.template;
  (lane.connectionId as Buffer).copy(b, 0);
  b.writeUInt32BE(tid, 12);
  b.writeUInt32BE(random(TORRENTS) + 1, 16);
  b.writeUInt32BE(random(PEERS) + 1, 36);
  b.writeUInt16BE(10000 + random(50000), 96);
  b.writeBigUInt64BE(BigInt(random(2)), 64);
  lane.inFlight.set(tid, Date.now());
  lane.socket.send(b);
}

const lanes = new Map<number, Lane[]>();

async function run(job: LoadJob): Promise<{ done: number; resent: number }> {
  let group = lanes.get(job.port);
  if (group === undefined) {
    group = await Promise.all(Array.from({ length: SOCKETS }, () => openLane(job.port)));
    await Promise.all(group.map(connectOnce));
    lanes.set(job.port, group);
  }
  const active = group;
  let sent = 0;
  let done = 0;
  let resent = 0;
  return new Promise((resolve) => {
    const finish = () => {
      clearInterval(timer);
      for (const lane of active) lane.socket.removeAllListeners('message');
      resolve({ done, resent });
    };
    const timer = setInterval(() => {
      const now = Date.now();
      for (const lane of active) {
        for (const [tid, at] of lane.inFlight) {
          if (now - at < RESEND_MS) continue;
          resent++;
          lane.inFlight.delete(tid);
          sendAnnounce(lane, tid);
        }
      }
    }, 50);
    for (const lane of active) {
      lane.socket.on('message', (m: Buffer) => {
        if (m.length < 8 || m.readUInt32BE(0) !== 1 || !lane.inFlight.delete(m.readUInt32BE(4))) return;
        done++;
        if (done === job.count) finish();
        else if (sent < job.count) {
          sent++;
          sendAnnounce(lane, nextTid++);
        }
      });
      for (let i = 0; i < WINDOW && sent < job.count; i++) {
        sent++;
        sendAnnounce(lane, nextTid++);
      }
    }
  });
}

process.on('message', (job: LoadJob) => {
  run(job).then((result) => process.send?.(result));
});
// The parent is done (or gone): close the sockets and end, even in the middle of a job.
process.on('disconnect', () => {
  for (const group of lanes.values()) for (const lane of group) lane.socket.close();
  process.exit(0);
});
