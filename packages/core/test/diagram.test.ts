import { describe, expect, test } from 'vitest';
import { emit, setup } from 'xstate';
import { createFrameProtocol } from '../../../examples/src/protocols/frame.js';
import {
  bytes,
  createDriver,
  describeRead,
  diagramTransitions,
  fail,
  streamBytes,
  toDot,
  toMermaid,
  until,
} from '../src/index.js';

const frames = createFrameProtocol();

describe('diagrams', () => {
  test('dot with ids names each state and each edge, and the transitions a driver takes are found among the edges', () => {
    const dot = toDot(frames, { ids: true });
    expect(dot).toContain('"length" [label="length\\nbytes(4)", id="state:length"];');
    expect(dot).toContain('"closed" [label="closed", peripheries=2, id="state:closed"];');
    const edges = diagramTransitions(frames);
    expect(edges.map((t) => `${t.source.key} ${t.eventType}`)).toEqual([
      'length read',
      'length read',
      'length eof',
      'length eof',
      'payload read',
    ]);
    for (let i = 0; i < edges.length; i++) expect(dot).toContain(`id="transition:${i}"`);
    // Without ids the text is as before.
    expect(toDot(frames)).not.toContain('id=');
    const taken: number[] = [];
    const driver = createDriver(frames, { onTransition: (t) => taken.push(edges.indexOf(t)) });
    driver.feed(Uint8Array.of(0, 0, 0, 1, 33));
    driver.end();
    // length -> payload, payload -> length, then the clean end.
    expect(taken).toEqual([1, 4, 2]);
  });

  test('mermaid shows each state with its read, and each transition with event, guard and failure', () => {
    expect(toMermaid(frames)).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> length',
        '  length: length<br/>bytes(4)',
        '  payload: payload<br/>read computed from context',
        '  closed: closed',
        '  closed --> [*]',
        '  length --> length: read [tooLarge] / fail FRAME_TOO_LARGE',
        '  length --> payload: read',
        '  length --> closed: eof [atBoundary]',
        '  length --> length: eof / fail FRAME_TRUNCATED',
        '  payload --> length: read',
        '',
      ].join('\n'),
    );
  });

  test('a read computed from context shows its meta.readLabel when it has one', () => {
    const m = setup({}).createMachine({
      initial: 'w',
      states: { w: { meta: { read: () => bytes(2), readLabel: 'bytes(2) per parser' }, on: { read: 'w' } } },
    });
    expect(toMermaid(m)).toContain('  w: w<br/>bytes(2) per parser');
  });

  test('compound states nest in mermaid and become clusters in dot', () => {
    const m = setup({}).createMachine({
      initial: 'message',
      states: {
        message: {
          initial: 'head',
          states: {
            head: { meta: { read: until('\r\n\r\n', { maxBytes: 8192 }) }, on: { read: 'body' } },
            body: { meta: { read: streamBytes(10) }, on: { chunk: { actions: emit({ type: 'x' }) }, done: 'end' } },
            end: { type: 'final' },
          },
          onDone: 'message',
        },
      },
    });
    const mermaid = toMermaid(m);
    expect(mermaid).toContain('  state message {\n    [*] --> message__head\n');
    // Double quotes would end a mermaid label: the delimiter is shown in single quotes.
    expect(mermaid).toContain("message__head: head<br/>until('\\r\\n\\r\\n', max 8192)");
    expect(mermaid).toContain('message --> message: done (child final)');
    const dot = toDot(m);
    expect(dot).toContain('subgraph "cluster_message" {');
    expect(dot).toContain('"message__body" -> "message__body" [label="chunk"];');
    expect(dot).toContain('__start -> "message__head";');
    expect(dot).toContain('"message__end" [label="end", peripheries=2];');
  });

  test('describeRead writes requests as they are built', () => {
    expect(describeRead(bytes(4, { partial: true }))).toBe('bytes(4, partial)');
    expect(describeRead(until(['\r\n', '\n'], { maxBytes: 10 }))).toBe('until("\\r\\n" | "\\n", max 10)');
  });

  test('a parameterised guard shows its params; an inline guard its function name; a named fail its code', () => {
    function isPing({ event }: { event: any }) {
      return event.data[0] === 0xc0;
    }
    const m = setup({
      guards: { isType: ({ event }, p: { type: number }) => event.data[0] >> 4 === p.type },
      actions: { refuse: fail('BAD_TYPE') },
    }).createMachine({
      initial: 'w',
      states: {
        w: {
          meta: { read: bytes(1) },
          on: {
            read: [
              { guard: { type: 'isType', params: { type: 3 } }, target: 'w' },
              { guard: isPing, target: 'w' },
              { guard: ({ event }) => event.data[0] === 1, target: 'w' },
              { actions: 'refuse' },
            ],
          },
        },
      },
    });
    const mermaid = toMermaid(m);
    expect(mermaid).toContain('w --> w: read [isType(type=3)]');
    expect(mermaid).toContain('w --> w: read [isPing]');
    expect(mermaid).toContain('w --> w: read [inline guard]');
    expect(mermaid).toContain('w --> w: read / fail BAD_TYPE');
  });
});
