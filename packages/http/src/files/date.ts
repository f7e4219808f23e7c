/**
 * HTTP-date (RFC 9110 §5.6.7): the three formats a recipient must accept,
 * all in GMT. `Date.parse` alone takes far more (`0` is the year 2000) and
 * reads asctime's, which names no zone, in the server's local time.
 *
 * @module
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
/** Obsolete RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC850 =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
/** Obsolete asctime: `Sun Nov  6 08:49:37 1994`. */
const ASCTIME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/**
 * @internal The time an HTTP-date names, in milliseconds since the epoch, or
 * NaN when `value` is not one. A two-digit year of RFC 850 more than 50 years
 * ahead is taken in the past century (RFC 9110 §5.6.7).
 */
export function parseHttpDate(value: string): number {
  const v = value.trim();
  let m = IMF.exec(v);
  if (m !== null) return utc(Number(m[3]), m[2], m[1], m[4], m[5], m[6]);
  m = RFC850.exec(v);
  if (m !== null) {
    const now = new Date().getUTCFullYear();
    let year = Math.floor(now / 100) * 100 + Number(m[3]);
    if (year > now + 50) year -= 100;
    return utc(year, m[2], m[1], m[4], m[5], m[6]);
  }
  m = ASCTIME.exec(v);
  if (m !== null) return utc(Number(m[6]), m[1], m[2], m[3], m[4], m[5]);
  return Number.NaN;
}

function utc(year: number, month: string, day: string, h: string, min: string, s: string): number {
  const mon = MONTHS.indexOf(month);
  const d = Number(day.trim());
  const [hh, mm, ss] = [Number(h), Number(min), Number(s)];
  if (mon < 0 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60) return Number.NaN;
  const t = Date.UTC(year, mon, d, hh, mm, Math.min(ss, 59));
  // 31 Feb and the like roll over into the next month: not a date.
  return new Date(t).getUTCDate() === d ? t : Number.NaN;
}
