/**
 * `protocols`: wiremachine protocols against the best hand-written parser
 * for each, fed identical bytes in the same run, in 64 KiB pieces and in
 * 1,460-byte pieces (one TCP segment), with the count and contents of what
 * each produced checked on every call.
 *
 * Targets: each at most 1.5x its peer's time (the pass mark); the goal is
 * to be faster than it.
 *
 * @module
 */
import { type BenchGroup, type BenchTarget, defineBenchmark, rowOf } from '../define.js';
import { PG_GROUPS, pgGroups } from './protocols-pg.js';
import { RESP_GROUPS, respGroups } from './protocols-resp.js';
import { WS_GROUPS, wsGroups } from './protocols-ws.js';

function targets(groups: readonly string[]): BenchTarget[] {
  return groups.flatMap((g) => [
    { label: `${g}: wiremachine <= 1.5x its peer`, met: (rows) => rowOf(rows, g, 'wiremachine').ratio <= 1.5 },
  ]);
}

const groups: BenchGroup[] = [...respGroups, ...pgGroups, ...wsGroups];

/** Each protocol against its hand-written peer. */
export const protocols = defineBenchmark({
  name: 'protocols',
  description:
    'each protocol against its hand-written peer (redis-parser, pg-protocol, the Receiver of ws), identical bytes, ns per message',
  groups,
  targets: targets([...RESP_GROUPS, ...PG_GROUPS, ...WS_GROUPS]),
});
