import { isIPv4, isIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatIPv4, formatIPv6, writeIPv4, writeIPv6 } from '../../src/tracker/index.js';
import { ipv6Bytes } from './arbitraries.js';
import { hex } from './bytes.js';

const params = { seed: 41, numRuns: 200 };
const isMapped = (b: Uint8Array) => b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

function v6(text: string): Uint8Array {
  const out = new Uint8Array(16);
  writeIPv6(out, 0, text);
  return out;
}
function accepts(write: (out: Uint8Array, at: number, text: string) => void, text: string): boolean {
  try {
    write(new Uint8Array(16), 0, text);
    return true;
  } catch {
    return false;
  }
}

describe('IPv6 text', () => {
  test.each([
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['20010db8000000000000000000000001', '2001:db8::1'],
    // RFC 5952 §4.2.2: one zero group is not compressed; §4.2.3: the first of two equal runs.
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['fe800000000000000000000000000000', 'fe80::'],
    ['abcd000000000000000000000000ffff', 'abcd::ffff'],
    // §5: an IPv4-mapped address ends in dotted decimal.
    ['00000000000000000000ffffc0000280', '::ffff:192.0.2.128'],
  ])('%s is %s, and back', (bytes, text) => {
    expect(formatIPv6(hex(bytes))).toBe(text);
    expect(v6(text)).toEqual(hex(bytes));
  });

  test('the text is what the WHATWG URL parser serializes (the mapped form aside)', () => {
    fc.assert(
      fc.property(ipv6Bytes, (b) => {
        const text = formatIPv6(b);
        const url = new URL(`http://[${text}]/`).hostname;
        if (isMapped(b)) expect(v6(url.slice(1, -1))).toEqual(b);
        else expect(`[${text}]`).toBe(url);
      }),
      params,
    );
  });

  test('every text form of an address gives its bytes: full, leading zeros, upper case, compressed', () => {
    fc.assert(
      fc.property(ipv6Bytes, (b) => {
        const groups = Array.from({ length: 8 }, (_, i) => ((b[2 * i] << 8) | b[2 * i + 1]).toString(16));
        expect(v6(groups.join(':'))).toEqual(b);
        expect(v6(groups.map((g) => g.padStart(4, '0').toUpperCase()).join(':'))).toEqual(b);
        expect(v6(formatIPv6(b))).toEqual(b);
        expect(v6(`${groups.slice(0, 6).join(':')}:${b[12]}.${b[13]}.${b[14]}.${b[15]}`)).toEqual(b);
      }),
      params,
    );
  });

  test('accepts exactly what node:net isIPv6 accepts', () => {
    const chars = fc.constantFrom(...'0123456789abcdefABCDEF:.');
    const edited = fc
      .tuple(ipv6Bytes, fc.array(fc.tuple(fc.nat(), chars, fc.boolean()), { maxLength: 3 }))
      .map(([b, edits]) => {
        let s = formatIPv6(b);
        for (const [at, c, insert] of edits) {
          const i = at % (s.length + 1);
          s = s.slice(0, i) + c + s.slice(insert ? i : i + 1);
        }
        return s;
      });
    const text = fc.oneof(edited, fc.string({ unit: chars, maxLength: 45 }));
    fc.assert(
      fc.property(text, (s) => {
        expect(accepts(writeIPv6, s), s).toBe(isIPv6(s));
      }),
      { ...params, numRuns: 1000 },
    );
  });

  test.each(['', ':', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '12345::', 'g::', '1.2.3.4::'])(
    'refuses %j',
    (text) => {
      expect(accepts(writeIPv6, text)).toBe(false);
      expect(isIPv6(text)).toBe(false);
    },
  );

  test('refuses a zone id, which node:net accepts: a peer list has no place for one', () => {
    expect(isIPv6('fe80::1%eth0')).toBe(true);
    expect(accepts(writeIPv6, 'fe80::1%eth0')).toBe(false);
  });
});

describe('IPv4 text', () => {
  test('dotted decimal, both ways', () => {
    expect(formatIPv4(hex('7f000001'))).toBe('127.0.0.1');
    expect(formatIPv4(hex('00c0a80001'), 1)).toBe('192.168.0.1');
    const out = new Uint8Array(4);
    writeIPv4(out, 0, '255.0.10.1');
    expect(out).toEqual(hex('ff000a01'));
  });

  test('accepts exactly what node:net isIPv4 accepts', () => {
    const text = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'0123456789.'), maxLength: 16 }),
      fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300)).map((p) => p.join('.')),
    );
    fc.assert(
      fc.property(text, (s) => {
        expect(accepts(writeIPv4, s), s).toBe(isIPv4(s));
      }),
      { ...params, numRuns: 1000 },
    );
  });
});
