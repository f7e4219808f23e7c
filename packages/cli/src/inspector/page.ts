/**
 * The inspector's page, run in the browser: it parses the input with the
 * protocol on the compiled executor (the same session code as `wiremachine
 * trace`), draws the machine with Graphviz in WebAssembly, and steps through
 * the parse one read at a time. Bundled with the protocol by esbuild.
 */
import { describeRead, diagramTransitions, toDot } from '@wiremachine/core';
import { renderSvg } from '../graphviz.js';
import { jsonLine } from '../json.js';
import type { CliProtocol, ProtocolOptions } from '../registry.js';
import { createSession, type ErrorLine, type UpgradeLine } from '../session.js';
import { formatStep } from '../trace.js';

/** What the bundle's entry passes: the protocol's name, and how to make it with options. */
export interface InspectorSetup {
  name: string;
  make: (options: ProtocolOptions) => CliProtocol;
}

/** What the command serves as /config.json: the options it was started with. */
interface Config {
  name: string;
  chunkSize: number | null;
  lenient: string[];
  noBody: boolean;
  file: string | null;
}

/** One step of the run, kept as plain values (a step's own bytes are views that later reads reuse). */
interface Entry {
  from: string;
  to: string;
  /** The state lit on the drawing: `to`, or the final state the machine ended in (a step names it "(done)"). */
  lit: string;
  read: string;
  event: string;
  start: number;
  end: number;
  transitions: number[];
  outputs: unknown[];
  context: string;
}

interface Run {
  protocol: CliProtocol;
  entries: Entry[];
  /** Outputs before the first step of the input (of a prefix's steps). */
  before: unknown[];
  /** Outputs delivered at the end (those of a step that then failed). */
  after: unknown[];
  error: ErrorLine | null;
  failedTransitions: number[];
  upgrade: UpgradeLine | null;
  /** The lines `wiremachine trace` prints for this input. */
  trace: string[];
  dot: string;
  initial: string;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const hex2 = (b: number) => b.toString(16).padStart(2, '0');
const printable = (b: number) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.');

/** The context as JSON where it can be: bytes as latin1 text, bigints as decimal, Maps and Sets as arrays. */
function contextJson(context: unknown): string {
  try {
    const text = JSON.stringify(
      context,
      (_key, v) => {
        if (v instanceof Uint8Array) return `<${v.length} bytes> ${jsonLine(v).slice(1, -1)}`;
        if (typeof v === 'bigint') return `${v}n`;
        if (v instanceof Map) return Object.fromEntries(v);
        if (v instanceof Set) return [...v];
        if (typeof v === 'function') return `(function ${v.name})`;
        return v;
      },
      2,
    );
    if (text === undefined) return String(context);
    return text.length > 20_000 ? `${text.slice(0, 20_000)}\n... (${text.length} characters)` : text;
  } catch (e) {
    return `(not JSON: ${(e as Error).message})`;
  }
}

/** Outputs listed at once: the latest ones. */
const SHOWN_OUTPUTS = 200;

/** Reads whose context is kept as JSON: a long input's later steps show none, to bound memory. */
const KEPT_CONTEXTS = 10_000;

/** Runs `protocol` over `input` fed in slices of `chunkSize` (or whole), recording every step. */
export function runInspection(protocol: CliProtocol, input: Uint8Array, chunkSize: number | null): Run {
  const edges = diagramTransitions(protocol.machine);
  const index = new Map(edges.map((t, i) => [t, i]));
  const indices = (ts: readonly unknown[]) =>
    ts.map((t) => index.get(t as (typeof edges)[number])).filter((i): i is number => i !== undefined);
  // The final state a step's last transition entered.
  const finalOf = (ts: readonly (typeof edges)[number][]) => ts.at(-1)?.target?.[0]?.path.join('.') ?? '(done)';
  const entries: Entry[] = [];
  const before: unknown[] = [];
  const after: unknown[] = [];
  const trace: string[] = [];
  let ended = false;
  const session = createSession(protocol, {
    transitions: true,
    onStep: (step, transitions) => {
      trace.push(formatStep(step));
      entries.push({
        from: step.from,
        to: step.to,
        lit: step.to === '(done)' ? finalOf(transitions) : step.to,
        read: describeRead(step.read),
        event: step.event.type,
        start: step.offset,
        end: step.offset + step.length,
        transitions: indices(transitions),
        outputs: [],
        context:
          entries.length < KEPT_CONTEXTS
            ? contextJson(session.driver.context)
            : `(kept for the first ${KEPT_CONTEXTS} reads only)`,
      });
    },
    onOutput: (output) => {
      trace.push(jsonLine(output));
      if (ended) after.push(output);
      else (entries.at(-1)?.outputs ?? before).push(output);
    },
  });
  const initial = session.driver.state;
  const size = chunkSize ?? Math.max(1, input.length);
  for (let i = 0; i < input.length; i += size) session.feed(input.subarray(i, i + size));
  ended = true;
  const end = session.end();
  if (end.error) trace.push(jsonLine(end.error));
  if (end.upgrade) trace.push(jsonLine(end.upgrade));
  return {
    protocol,
    entries,
    before,
    after,
    error: end.error,
    failedTransitions: indices(end.failedTransitions),
    upgrade: end.upgrade,
    trace,
    dot: toDot(protocol.machine, { ids: true }),
    initial,
  };
}

/** Text typed or pasted: `\xHH`, `\r`, `\n`, `\t`, `\\` escapes when asked, line breaks as CRLF when asked. */
export function textToBytes(text: string, escapes: boolean, crlf: boolean): Uint8Array {
  let t = crlf ? text.replace(/\r?\n/g, '\r\n') : text;
  if (escapes) {
    t = t.replace(/\\(x[0-9a-fA-F]{2}|r|n|t|\\)/g, (_m, e: string) =>
      e === 'r'
        ? '\r'
        : e === 'n'
          ? '\n'
          : e === 't'
            ? '\t'
            : e === '\\'
              ? '\\'
              : String.fromCharCode(Number.parseInt(e.slice(1), 16)),
    );
  }
  // Characters past latin1 are written as UTF-8; the rest one byte each.
  const out: number[] = [];
  const utf8 = new TextEncoder();
  for (const ch of t) {
    const c = ch.codePointAt(0) as number;
    if (c <= 0xff) out.push(c);
    else out.push(...utf8.encode(ch));
  }
  return Uint8Array.from(out);
}

export async function startInspector(setup: InspectorSetup): Promise<void> {
  const config = (await (await fetch('config.json')).json()) as Config;
  let input: Uint8Array = new Uint8Array(await (await fetch('input')).arrayBuffer());
  let options: ProtocolOptions = { lenient: config.lenient, noBody: config.noBody };
  let chunkSize = config.chunkSize;
  let run: Run;
  /** 0: before the first step; k: after step k; entries + 1: the end (an error, a handover, or all parsed). */
  let pos = 0;
  let drawn = '';

  $('title').textContent = setup.name;
  $('file').textContent = config.file ?? '(no input file: paste or drop one)';
  ($('chunk') as HTMLInputElement).value = chunkSize === null ? '' : String(chunkSize);

  const last = () => run.entries.length + 1;
  /** Outputs up to position p, and those of step p. */
  const outputsUpTo = (p: number) => {
    const all = [...run.before];
    for (let i = 0; i < Math.min(p, run.entries.length); i++) all.push(...run.entries[i].outputs);
    if (p === last()) all.push(...run.after);
    return all;
  };
  const outputsAt = (p: number): unknown[] =>
    p === 0 ? run.before : p <= run.entries.length ? run.entries[p - 1].outputs : run.after;

  function lenientBoxes(protocol: CliProtocol): void {
    const box = $('lenient');
    const flags = protocol.lenientFlags ?? [];
    $('lenient-row').hidden = flags.length === 0;
    box.replaceChildren(
      ...flags.map((flag) => {
        const label = document.createElement('label');
        const check = document.createElement('input');
        check.type = 'checkbox';
        check.value = flag;
        check.checked = options.lenient.includes(flag);
        label.append(check, ` ${flag}`);
        return label;
      }),
    );
  }

  async function rerun(): Promise<void> {
    $('problem').textContent = '';
    let protocol: CliProtocol;
    try {
      protocol = setup.make(options);
    } catch (e) {
      $('problem').textContent = (e as Error).message;
      return;
    }
    run = runInspection(protocol, input, chunkSize);
    lenientBoxes(protocol);
    if (run.dot !== drawn) {
      drawn = run.dot;
      $('diagram').innerHTML = await renderSvg(run.dot);
    }
    pos = Math.min(pos, last());
    document.body.dataset.runs = String(Number(document.body.dataset.runs ?? 0) + 1);
    $('summary').textContent =
      `${input.length} bytes, ${run.entries.length} reads, ${outputsUpTo(last()).length} outputs, ` +
      (run.error ? `error ${run.error.code}` : run.upgrade ? `handed over at @${run.upgrade.offset}` : 'all parsed');
    show();
  }

  function highlight(): void {
    const svg = $('diagram');
    for (const el of svg.querySelectorAll('.current, .taken, .failed'))
      el.classList.remove('current', 'taken', 'failed');
    const state = pos === 0 ? run.initial : pos <= run.entries.length ? run.entries[pos - 1].lit : null;
    const at = pos === last() ? (run.entries.at(-1)?.lit ?? run.initial) : state;
    if (at !== null) document.getElementById(`state:${at}`)?.classList.add('current');
    const edges =
      pos === last() ? run.failedTransitions : pos > 0 ? run.entries[pos - 1].transitions : ([] as number[]);
    for (const i of edges)
      document.getElementById(`transition:${i}`)?.classList.add(pos === last() && run.error ? 'failed' : 'taken');
  }

  /** The bytes around `focus`, 16 a row: hex and text, each read's bytes marked. */
  function hexView(focus: number): void {
    const current = pos > 0 && pos <= run.entries.length ? run.entries[pos - 1] : null;
    const errorAt = pos === last() && run.error?.offset != null ? run.error.offset : -1;
    const pending = pos === last() && run.error ? (run.entries.at(-1)?.end ?? 0) : -1;
    const rows = 48;
    const first = Math.max(0, Math.min(Math.floor(focus / 16) - 8, Math.ceil(input.length / 16) - rows)) * 16;
    // Which read each shown byte belongs to: the reads are in input order, so from the first that ends past `first`.
    const shownEnd = Math.min(input.length, first + rows * 16);
    const owner = new Int32Array(Math.max(0, shownEnd - first)).fill(-1);
    let lo = 0;
    let hi = run.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (run.entries[mid].end > first) hi = mid;
      else lo = mid + 1;
    }
    for (let k = lo; k < run.entries.length && run.entries[k].start < shownEnd; k++) {
      const e = run.entries[k];
      owner.fill(k, Math.max(e.start, first) - first, Math.min(e.end, shownEnd) - first);
    }
    const lines: string[] = [];
    for (let row = first; row < Math.min(input.length, first + rows * 16); row += 16) {
      const hex: string[] = [];
      const text: string[] = [];
      for (let o = row; o < row + 16; o++) {
        if (o >= input.length) {
          hex.push('<span class="pad">  </span>');
          continue;
        }
        const classes = ['b'];
        if (owner[o - first] >= 0) classes.push(`r${owner[o - first] % 2}`);
        if (current && o >= current.start && o < current.end) classes.push('cur');
        if (pending >= 0 && o >= pending && o <= errorAt) classes.push('bad');
        if (o === errorAt) classes.push('err');
        const c = classes.join(' ');
        hex.push(`<span class="${c}" data-o="${o}">${hex2(input[o])}</span>`);
        const ch = printable(input[o]);
        text.push(`<span class="${c}" data-o="${o}">${ch === '<' ? '&lt;' : ch === '&' ? '&amp;' : ch}</span>`);
      }
      lines.push(`<span class="off">${row.toString(16).padStart(8, '0')}</span>  ${hex.join(' ')}  ${text.join('')}`);
    }
    const note =
      input.length > rows * 16
        ? `<span class="off">bytes ${first}-${Math.min(input.length, first + rows * 16) - 1} of ${input.length}</span>\n`
        : '';
    $('hex').innerHTML = note + (lines.join('\n') || '<span class="off">(no input)</span>');
  }

  function show(): void {
    const entry = pos > 0 && pos <= run.entries.length ? run.entries[pos - 1] : null;
    const atEnd = pos === last();
    $('position').textContent = atEnd ? `end (${run.entries.length} reads)` : `read ${pos} of ${run.entries.length}`;
    const next = pos < run.entries.length ? run.entries[pos] : null;
    $('state').textContent = entry ? entry.to : pos === 0 ? run.initial : (run.entries.at(-1)?.to ?? run.initial);
    $('pending').textContent = next
      ? `${next.from}: ${next.read}${next.event === 'eof' ? ' (the input ends)' : ''}`
      : atEnd
        ? '-'
        : run.error
          ? `${run.entries.at(-1)?.to ?? run.initial} (fails: see the end)`
          : '- (input ends next)';
    $('step').textContent = entry
      ? `${entry.from} --${entry.event}--> ${entry.to}  ${entry.read}  @${entry.start}, ${entry.end - entry.start} bytes`
      : '-';
    $('context').textContent = entry ? entry.context : atEnd ? (run.entries.at(-1)?.context ?? '') : '';
    // The latest outputs, numbered from the first: a long run would otherwise redraw thousands at each step.
    const fresh = new Set(outputsAt(pos));
    const all = outputsUpTo(pos);
    const shown = all.slice(-SHOWN_OUTPUTS);
    ($('outputs') as HTMLOListElement).start = all.length - shown.length + 1;
    $('outputs-note').textContent =
      all.length > shown.length ? `(${all.length - shown.length} earlier outputs not shown)` : '';
    $('outputs').replaceChildren(
      ...shown.map((o) => {
        const li = document.createElement('li');
        li.textContent = jsonLine(o);
        if (fresh.has(o)) li.className = 'fresh';
        return li;
      }),
    );
    const error = $('error');
    error.hidden = !(atEnd && run.error);
    if (atEnd && run.error) {
      const e = run.error;
      $('error-code').textContent = e.code;
      $('error-message').textContent = e.message;
      $('error-where').textContent = `state ${e.state ?? '-'}, offset ${e.offset ?? '-'}`;
      const from = run.entries.at(-1)?.end ?? 0;
      const to = Math.min(input.length, e.offset === null ? from : e.offset + 1, from + 64);
      const bad = input.subarray(from, Math.max(from, to));
      $('error-bytes').textContent =
        bad.length === 0
          ? '(none: the input ended)'
          : `@${from}: ${Array.from(bad, hex2).join(' ')}  "${Array.from(bad, printable).join('')}"`;
    }
    $('end-note').textContent =
      atEnd && !run.error ? (run.upgrade ? `handed over at @${run.upgrade.offset}` : 'all input parsed') : '';
    document.body.dataset.position = String(pos);
    document.body.dataset.end = String(last());
    highlight();
    hexView(entry ? entry.start : atEnd ? (run.error?.offset ?? run.entries.at(-1)?.start ?? 0) : 0);
  }

  function go(p: number): void {
    pos = Math.max(0, Math.min(last(), p));
    show();
  }
  /** The next position (after `pos`, in `direction`) whose step produced an output; else the end or start. */
  function nextOutput(direction: 1 | -1): void {
    for (let p = pos + direction; p > 0 && p < last(); p += direction) {
      if (outputsAt(p).length > 0) {
        go(p);
        return;
      }
    }
    go(direction > 0 ? last() : 0);
  }

  const actions: Record<string, () => void> = {
    first: () => go(0),
    back: () => go(pos - 1),
    forward: () => go(pos + 1),
    'prev-output': () => nextOutput(-1),
    'next-output': () => nextOutput(1),
    end: () => go(last()),
  };
  for (const [id, act] of Object.entries(actions)) $(id).addEventListener('click', act);
  document.addEventListener('keydown', (ev) => {
    const target = ev.target as HTMLElement;
    if (target.closest('textarea, input')) return;
    const key = `${ev.shiftKey ? 'Shift+' : ''}${ev.key}`;
    const act = (
      {
        ArrowRight: 'forward',
        j: 'forward',
        ArrowLeft: 'back',
        k: 'back',
        'Shift+ArrowRight': 'next-output',
        n: 'next-output',
        'Shift+ArrowLeft': 'prev-output',
        p: 'prev-output',
        Home: 'first',
        End: 'end',
        e: 'end',
      } as Record<string, string>
    )[key];
    if (act === undefined) return;
    ev.preventDefault();
    actions[act]();
  });
  $('hex').addEventListener('click', (ev) => {
    const o = Number((ev.target as HTMLElement).dataset.o);
    if (Number.isNaN(o)) return;
    const i = run.entries.findIndex((e) => o >= e.start && o < e.end);
    go(i >= 0 ? i + 1 : last());
  });

  $('options').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const size = ($('chunk') as HTMLInputElement).value.trim();
    const n = Number(size);
    if (size !== '' && (!Number.isSafeInteger(n) || n < 1)) {
      $('problem').textContent = `a chunk size is a whole number of at least 1, not "${size}"`;
      return;
    }
    chunkSize = size === '' ? null : n;
    const flags = [...$('lenient').querySelectorAll('input:checked')].map((c) => (c as HTMLInputElement).value);
    options = { ...options, lenient: flags };
    void rerun();
  });
  $('paste').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = ($('text') as HTMLTextAreaElement).value;
    input = textToBytes(text, ($('escapes') as HTMLInputElement).checked, ($('crlf') as HTMLInputElement).checked);
    $('file').textContent = '(pasted)';
    pos = 0;
    void rerun();
  });
  const load = async (file: File) => {
    input = new Uint8Array(await file.arrayBuffer());
    $('file').textContent = file.name;
    pos = 0;
    await rerun();
  };
  ($('open') as HTMLInputElement).addEventListener('change', (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    if (file) void load(file);
  });
  document.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    document.body.classList.add('dropping');
  });
  document.addEventListener('dragleave', () => document.body.classList.remove('dropping'));
  document.addEventListener('drop', (ev) => {
    ev.preventDefault();
    document.body.classList.remove('dropping');
    const file = ev.dataTransfer?.files[0];
    if (file) void load(file);
    else {
      const text = ev.dataTransfer?.getData('text/plain');
      if (text) {
        ($('text') as HTMLTextAreaElement).value = text;
        $('paste').dispatchEvent(new Event('submit', { cancelable: true }));
      }
    }
  });

  await rerun();
  // For tests and for the console: the run as `wiremachine trace` prints it.
  (window as unknown as { inspector: unknown }).inspector = {
    trace: () => run.trace,
    go,
    get position() {
      return pos;
    },
  };
  document.body.dataset.ready = 'true';
}
