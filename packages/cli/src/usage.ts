/** Usage errors (exit status 2) and the help texts of every subcommand. */

/** A mistake in how the command was called: printed in plain words, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const HELP: Record<string, string> = {
  main: `wiremachine: parse, trace, draw and fuzz wire protocols declared as xstate machines

usage: wiremachine <command> [options]

commands:
  parse <protocol> [file|-]     parse bytes, print each output as one JSON line
  trace <protocol> [file|-]     the same, with every step of the machine
  diagram <protocol>            the machine as a diagram (mermaid, dot or svg)
  inspect <protocol> [file]     a page on 127.0.0.1 that draws the machine and steps through a parse
  compile <protocol>            the JavaScript the compiled executor runs for the machine
  fuzz <protocol>               coverage-guided fuzzing for a fixed budget
  serve http [--dir DIR]        static files over HTTP/1.1: ranges, caching, compression
  tracker serve|announce|scrape a BitTorrent UDP tracker, and its client
  bench [name...]               run the benchmark harness (in a checkout of the repository)

<protocol> is a built-in protocol name, or use --protocol-module FILE for your own
(JavaScript, or TypeScript: .ts and .mts files are transpiled by esbuild, types unchecked).
Run 'wiremachine <command> --help' for a command's options.
exit status: 0 all input parsed, 1 a protocol error, 2 bad usage`,
  parse: `usage: wiremachine parse <protocol> [file|-] [options]

Reads bytes from a file, or from standard input when the file is - or absent,
and prints one JSON object per line: each output of the protocol, then
{"type":"upgrade","offset":N} where the protocol hands the rest over, or
{"type":"error","code":...,"offset":...,"state":...,"message":...}.
Byte strings are printed with one character per byte, so the JSON round-trips.

options:
  --protocol-module FILE   a module whose default export (or 'protocol' export) is the machine
                           (.js, or .ts transpiled by esbuild)
  --chunk-size N           feed the input in slices of N bytes (default: all at once)
  --executor E             compiled (default) or xstate
  --max-buffer N           most bytes the driver may hold unread (default 16 MiB)
  -h, --help               this text
exit status: 0 all input parsed, 1 a protocol error, 2 bad usage`,
  trace: `usage: wiremachine trace <protocol> [file|-] [options]

Like 'parse', and before each output the steps that led to it: the state that
waited, its read, the event, the bytes consumed (hex and text) and the state
after. Same options as 'parse'.`,
  diagram: `usage: wiremachine diagram <protocol> [--format mermaid|dot|svg] [--protocol-module FILE]

Prints the machine as a diagram. 'svg' is laid out by Graphviz compiled to
WebAssembly (@viz-js/viz): no Graphviz installation is needed.`,
  inspect: `usage: wiremachine inspect <protocol> [file|-] [options]

Serves a page on 127.0.0.1 and prints its URL; open it in a browser. The page
draws the machine (Graphviz in WebAssembly) and parses the file in the browser
with the compiled executor, as 'trace' does: step forwards and backwards one
read at a time, or to the next output, the end or the error, from the buttons
or the keys (left/right, shift+left/right, Home, End). The state and the
transitions of the step are lit on the drawing; beside it the pending read,
the context as JSON, the outputs so far, and an error's code, message and
bytes; below, the input in hex and text with each read's bytes marked. It
re-runs with another chunk size or lenient flags, and parses input pasted or
dropped on it (with no file, it starts empty). Runs until interrupted.

options:
  --protocol-module FILE   your protocol (.js or .ts), bundled for the browser by esbuild
  --port N                 the port (default 0: a free one)
  --chunk-size N           feed the input in slices of N bytes (default: all at once)
  --lenient FLAG           a lenient flag of the HTTP protocols (repeatable)
  -h, --help               this text`,
  compile: `usage: wiremachine compile <protocol> [--protocol-module FILE]

Prints the JavaScript generated from the machine: a function per guard chain
(the index of the transition taken) and per transition (its actions in
order), each guard and action called by name. This is what the compiled
executor runs; it can be written to a file and read or diffed.`,
  fuzz: `usage: wiremachine fuzz <protocol> [--runs N] [--seed S] [--seed-file FILE...] [--protocol-module FILE]
                        [--dictionary FILE...] [--token T...] [--no-code-coverage]

Coverage-guided fuzzing: mutates seed inputs, keeps those that take new
transitions of the machine or new branches of its code, and reports any crash
(an untyped exception, a hang, a buffer over its limit). The protocol's
modules (the folder of --protocol-module, or the shipped protocols) are
instrumented for branch coverage as they load. Mutations insert tokens: the
machine's delimiters, literals of its code, and those given here. Shows both
coverages in a progress bar and a summary; exit status 1 on a crash.
  --runs N             inputs to try (default 100000)
  --seed S             seed of the mutation generator (default 1)
  --seed-file FILE     a starting input (repeatable; built-in protocols have their own)
  --dictionary FILE    tokens, one "value" or name="value" a line (libFuzzer's -dict format; repeatable)
  --token T            one token, with \\xHH escapes (repeatable)
  --no-code-coverage   guide by the machine's transitions alone, without instrumenting`,
  serve: `usage: wiremachine serve http [--host H] [--port N] [--dir DIR] [options]

Serves the files under DIR (default: the current directory) over HTTP/1.1, with
keep-alive and HEAD, until interrupted. Prints {"type":"listening","url":...}
when ready. Files answer with ETag and Last-Modified (304 and 412 to conditional
requests), byte ranges (206, several as multipart/byteranges, 416; If-Range),
gzip or brotli for compressible types when the client asks, and their MIME type.
A path whose real location (symbolic links resolved) is outside DIR answers 404.

options:
  --host H             the address to listen on (default 127.0.0.1)
  --port N             the port (default 8080; 0 picks a free port)
  --dir DIR            the directory served (default .)
  --list               list a directory that has no index.html (default: 404)
  --dotfiles           serve names that start with a dot (default: 404)
  --follow-symlinks    serve files that symbolic links lead to outside DIR
  --max-age S          Cache-Control: public, max-age=S (default 0)
  --no-compress        never compress
  -h, --help           this text

Resume an interrupted download: curl -C - -O http://127.0.0.1:8080/big.iso`,
  tracker: `usage: wiremachine tracker serve|announce|scrape ...

  tracker serve [--host H] [--port N]          a BitTorrent UDP tracker (BEP 15)
  tracker announce URL --info-hash HEX [--event started|completed|stopped]
  tracker scrape URL --info-hash HEX...        results as JSON lines`,
  'tracker serve': `usage: wiremachine tracker serve [--host H] [--port N] [--interval S]

Runs a BitTorrent UDP tracker (BEP 15) until interrupted. Prints
{"type":"listening","url":...} when ready. --host defaults to 127.0.0.1 (an IPv6
address such as ::1 serves IPv6), --port to 6969 (0 picks a free port),
--interval (the announce interval) to 1800 seconds.`,
  'tracker announce': `usage: wiremachine tracker announce URL --info-hash HEX [--event started|completed|stopped|none]
                                 [--port N] [--left BYTES] [--peer-id TEXT] [--timeout MS]

Announces to a UDP tracker and prints the answer (interval, seeders, leechers,
peers) as one JSON line; exit status 1 when the tracker refuses or does not answer.`,
  'tracker scrape': `usage: wiremachine tracker scrape URL --info-hash HEX... [--timeout MS]

Scrapes a UDP tracker for each info hash (more than 74 are split across
datagrams) and prints the counts as one JSON line.`,
  bench: `usage: wiremachine bench [name...]

Runs the benchmark harness of a checkout of the repository (bench/), which
prints a table and writes bench/results/<name>.json.`,
};
