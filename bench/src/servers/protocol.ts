/**
 * Messages between a hello server child and its parent.
 *
 * @module
 */

/** What the child reports. */
export type ServerMessage =
  | { type: 'listening'; port: number }
  | {
      type: 'stats';
      rss: number;
      heapUsed: number;
      external: number;
      connections: number;
      unhandled: number;
      bodyFailures: number;
      cpuMs: number;
    };

/** The `stats` message. */
export type ServerStats = Extract<ServerMessage, { type: 'stats' }>;
