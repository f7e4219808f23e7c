/** Our tracker on 127.0.0.1, recording every request datagram it receives (to see what a real client sent). */
import { parseRequest, type TrackerRequest } from '@wiremachine/protocols/tracker';
import type { DatagramTransport } from '@wiremachine/transports';
import { udpSocket } from '@wiremachine/transports/node';
import { TrackerServer, type TrackerServerOptions } from '../../src/index.js';

export interface RecordingTracker {
  server: TrackerServer;
  port: number;
  /** Every datagram received, with what it parsed as (`null` when malformed). */
  received: { bytes: Uint8Array; request: TrackerRequest | null; fromPort: number }[];
  close(): void;
}

export async function recordingTracker(options: TrackerServerOptions = {}): Promise<RecordingTracker> {
  const udp = await udpSocket({ type: 'udp4', address: '127.0.0.1' });
  const received: RecordingTracker['received'] = [];
  const transport: DatagramTransport = {
    start: (sink) =>
      udp.start({
        message: (data, from) => {
          let request: TrackerRequest | null = null;
          try {
            request = parseRequest(data.slice());
          } catch {}
          received.push({ bytes: data.slice(), request, fromPort: from.port });
          sink.message(data, from);
        },
        end: (e) => sink.end(e),
      }),
    send: (data, to) => udp.send(data, to),
    close: () => udp.close(),
  };
  const server = new TrackerServer(options);
  server.serve(transport);
  return { server, port: udp.local.port, received, close: () => server.close() };
}
