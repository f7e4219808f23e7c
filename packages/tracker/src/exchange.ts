/**
 * One request to a UDP tracker, as an xstate actor that lives in time
 * (BEP 15): connect first unless a connection id is cached, then send the
 * announce or scrape; resend after `base * 2^n` for n = 0..8, then give up;
 * connect again when the connection id expires meanwhile.
 *
 * The actor only decides. Its host (the client) sends its datagrams, draws
 * its transaction ids, caches connection ids and delivers the replies that
 * carry its transaction id as `reply` events.
 *
 * @module
 */
import { type ConnectResponse, serializeRequest, type TrackerResponse } from '@wiremachine/protocols/tracker';
import { AbortedError } from '@wiremachine/transports';
import { assign, setup } from 'xstate';
import { type ExchangePhase, TrackerNoReplyError, TrackerRefusedError } from './errors.js';

/** What an exchange needs from the client that runs it. */
export interface ExchangeHost {
  /** Send one datagram to the tracker (failures are the network's: retransmission covers them). */
  send(packet: Uint8Array): void;
  /** A fresh random transaction id, from now on the one this exchange's replies are routed by. */
  transactionId(): number;
  /** The cached connection id and when it was received, if it is still usable. */
  cachedConnection(): { id: bigint; receivedAt: number } | null;
  /** Cache a connection id just received. */
  remember(id: bigint, receivedAt: number): void;
  /** Drop `id` from the cache (the tracker no longer accepts it). */
  forget(id: bigint): void;
  /** The clock connection ids are timed with, in milliseconds. */
  now(): number;
}

/** The input of {@link exchangeMachine}. */
export interface ExchangeInput {
  phase: Exclude<ExchangePhase, 'connect'>;
  /** The request datagram for a connection id and a transaction id. */
  build(connectionId: bigint, transactionId: number): Uint8Array;
  host: ExchangeHost;
  /** Milliseconds before the first resend (BEP 15: 15 s). */
  retransmitBase: number;
  /** Resends before giving up (BEP 15: 8). */
  maxRetransmits: number;
  /** How long a connection id may be used after it was received (BEP 15: 1 minute). */
  connectionIdTtl: number;
}

interface ExchangeContext extends ExchangeInput {
  /** Timeouts passed so far: the next wait is `retransmitBase * 2^attempt`. */
  attempt: number;
  sent: number;
  transactionId: number;
  connection: { id: bigint; receivedAt: number } | null;
  /** The connection id came from the cache, and no error has been answered to it yet. */
  fromCache: boolean;
  response: TrackerResponse | null;
  error: Error | null;
}

/** Events of an exchange. */
export type ExchangeEvent = { type: 'reply'; response: TrackerResponse } | { type: 'abort'; reason: unknown };

/** How an exchange ended. */
export type ExchangeOutput = { ok: true; response: TrackerResponse } | { ok: false; error: Error };

const isType =
  (type: TrackerResponse['type']) =>
  ({ event }: { event: ExchangeEvent }) =>
    event.type === 'reply' && event.response.type === type;

const refused = (phase: ExchangePhase, event: ExchangeEvent) =>
  new TrackerRefusedError(
    phase,
    event.type === 'reply' && event.response.type === 'error' ? event.response.message : '',
  );

/**
 * The exchange machine. `start` picks connect or request; `connecting` and
 * `requesting` each send on entry and resend on re-entry after their delay.
 *
 * @example
 * ```ts
 * const actor = createActor(exchangeMachine, { input: { phase: 'announce', build, host, retransmitBase: 15_000, maxRetransmits: 8, connectionIdTtl: 60_000 } });
 * actor.subscribe({ complete: () => settle(actor.getSnapshot().output) });
 * actor.start();
 * ```
 */
export const exchangeMachine = setup({
  types: {
    input: {} as ExchangeInput,
    context: {} as ExchangeContext,
    events: {} as ExchangeEvent,
    output: {} as ExchangeOutput,
  },
  delays: {
    // Capped at what a timer can hold (about 24.8 days).
    retransmit: ({ context }) => Math.min(context.retransmitBase * 2 ** context.attempt, 2 ** 31 - 1),
  },
  guards: {
    cached: ({ context }) => context.host.cachedConnection() !== null,
    connectReply: isType('connect'),
    resultReply: ({ context, event }) => isType(context.phase)({ event }),
    errorReply: isType('error'),
    retryAfterRefusal: ({ context, event }) => context.fromCache && isType('error')({ event }),
    exhausted: ({ context }) => context.attempt >= context.maxRetransmits,
    expired: ({ context }) =>
      context.connection === null || context.host.now() - context.connection.receivedAt >= context.connectionIdTtl,
  },
  actions: {
    newTransaction: assign({ transactionId: ({ context }) => context.host.transactionId() }),
    useCache: assign({ connection: ({ context }) => context.host.cachedConnection(), fromCache: true }),
    sendConnect: ({ context }) =>
      context.host.send(serializeRequest({ type: 'connect', transactionId: context.transactionId })),
    sendRequest: ({ context }) =>
      context.host.send(context.build((context.connection as { id: bigint }).id, context.transactionId)),
    countSend: assign({ sent: ({ context }) => context.sent + 1 }),
    backOff: assign({ attempt: ({ context }) => context.attempt + 1 }),
    storeConnection: assign({
      connection: ({ context, event }) => {
        const id = ((event as { response: ConnectResponse }).response as ConnectResponse).connectionId;
        const receivedAt = context.host.now();
        context.host.remember(id, receivedAt);
        return { id, receivedAt };
      },
      fromCache: false,
    }),
    forgetConnection: assign({
      connection: ({ context }) => {
        if (context.connection !== null) context.host.forget(context.connection.id);
        return null;
      },
      fromCache: false,
    }),
    keepResponse: assign({ response: ({ event }) => (event as { response: TrackerResponse }).response }),
    refusedConnect: assign({ error: ({ event }) => refused('connect', event) }),
    refusedRequest: assign({ error: ({ context, event }) => refused(context.phase, event) }),
    noReplyToConnect: assign({ error: ({ context }) => new TrackerNoReplyError('connect', context.sent) }),
    noReplyToRequest: assign({ error: ({ context }) => new TrackerNoReplyError(context.phase, context.sent) }),
    aborted: assign({
      error: ({ context, event }) => new AbortedError(`the ${context.phase}`, (event as { reason: unknown }).reason),
    }),
  },
}).createMachine({
  id: 'exchange',
  context: ({ input }) => ({
    ...input,
    attempt: 0,
    sent: 0,
    transactionId: 0,
    connection: null,
    fromCache: false,
    response: null,
    error: null,
  }),
  initial: 'start',
  on: { abort: { target: '.failed', actions: 'aborted' } },
  states: {
    start: {
      always: [
        { guard: 'cached', target: 'requesting', actions: ['useCache', 'newTransaction'] },
        { target: 'connecting', actions: 'newTransaction' },
      ],
    },
    connecting: {
      entry: ['countSend', 'sendConnect'],
      on: {
        reply: [
          { guard: 'connectReply', target: 'requesting', actions: ['storeConnection', 'newTransaction'] },
          { guard: 'errorReply', target: 'failed', actions: 'refusedConnect' },
        ],
      },
      after: {
        retransmit: [
          { guard: 'exhausted', target: 'failed', actions: 'noReplyToConnect' },
          // A resend keeps its transaction id, so a late reply to the first datagram still counts.
          { target: 'connecting', reenter: true, actions: 'backOff' },
        ],
      },
    },
    requesting: {
      entry: ['countSend', 'sendRequest'],
      on: {
        reply: [
          { guard: 'resultReply', target: 'done', actions: 'keepResponse' },
          // A cached id the tracker no longer knows (it restarted, its secret changed): connect again, once.
          { guard: 'retryAfterRefusal', target: 'connecting', actions: ['forgetConnection', 'newTransaction'] },
          { guard: 'errorReply', target: 'failed', actions: 'refusedRequest' },
        ],
      },
      after: {
        retransmit: [
          { guard: 'exhausted', target: 'failed', actions: 'noReplyToRequest' },
          // BEP 15: "if the connection id expires meanwhile, connect again first".
          { guard: 'expired', target: 'connecting', actions: ['backOff', 'forgetConnection', 'newTransaction'] },
          { target: 'requesting', reenter: true, actions: 'backOff' },
        ],
      },
    },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }): ExchangeOutput =>
    context.response !== null && context.error === null
      ? { ok: true, response: context.response }
      : { ok: false, error: context.error as Error },
});
