// Property: parseCookieHeader never throws, returns a null-prototype record,
// and reads a Cookie header as the `cookie` package (v1, dev-only oracle) does.
// Where the two differ on purpose the oracle is adapted, not the input
// filtered, and each adaptation is documented at `oracle` below.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'cookie';
import fc from 'fast-check';
import { parseCookieHeader } from '../../lib/request/cookies.ts';
import { checkProperty, runs } from './support.ts';

// cookie v1's own value decoder: percent-decode when it is valid, else keep raw
function cookieDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * cookie v1 with the two documented differences taken out:
 * 1. quoted values: RFC 6265 §4.1.1 allows `name="value"`; we remove one pair
 *    of double quotes before decoding, cookie v1 keeps them. The oracle gets a
 *    `decode` that unquotes first, so the decoding itself is still cookie's.
 * 2. empty names: cookie v1 keeps `=value` under the name `""`; we skip it
 *    (RFC 6265 §5.2 step 5 ignores a pair whose name is empty).
 * Agreed without adaptation: pairs split on `;` only, names and values trimmed of
 * SP and HTAB only, a pair without `=` skipped, the first occurrence of a name wins,
 * percent-decoding kept raw when invalid.
 */
function oracle(header: string, unquote = true): Record<string, string> {
  const decode = unquote ? (raw: string) => cookieDecode(/^".*"$/s.test(raw) && raw.length >= 2 ? raw.slice(1, -1) : raw) : cookieDecode;
  const parsed = parse(header, { decode }) as Record<string, string>;
  delete parsed[''];
  return { ...parsed };
}

// Cookie headers built from parts that hit every rule: names that repeat, clash
// with Object.prototype, or are empty; values with quotes, %-escapes (valid,
// invalid, multi-byte), `=`, commas and whitespace; odd separators
const name = fc.oneof(
  fc.constantFrom('a', 'A', 'logto_authtoken', 'guest_logto_authtoken', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '', '$Version', 'a b', 'a,b', '%61'),
  fc.string({ unit: fc.constantFrom(...'abc_-.!#$&*+^`|~"\\,/:<>?@[]{}'), minLength: 1, maxLength: 6 }),
);
const valuePiece = fc.oneof(
  fc.constantFrom('"', '%', '%2', '%20', '%22', '%3B', '%E2%82%AC', '%E2%82', '%ZZ', '%C0%AF', '=', ',', '\\', ' ', '\t', 'é', '\u2028', 'eyJhbGciOiJFUzM4NCJ9'),
  fc.string({ unit: fc.constantFrom(...'abcXYZ0129-_.~+/:'), maxLength: 8 }),
);
const value = fc.array(valuePiece, { maxLength: 5 }).map((pieces) => pieces.join(''));
const ows = fc.constantFrom('', ' ', '  ', '\t', ' \t');
const pair = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(ows, name, ows, ows, value, ows).map(([a, n, b, c, v, d]) => `${a}${n}${b}=${c}${v}${d}`) },
  { weight: 2, arbitrary: fc.tuple(name, value).map(([n, v]) => `${n}="${v}"`) },
  { weight: 1, arbitrary: fc.tuple(ows, name, ows).map(([a, n, b]) => `${a}${n}${b}`) }, // no "=": skipped by both
);
const separator = fc.constantFrom(';', '; ', ';;', ' ; ', ';\t', '; ;');
const cookieHeader = fc.tuple(fc.array(pair, { maxLength: 8 }), separator, separator).map(([pairs, first, rest]) => pairs.map((p, i) => (i === 0 ? p : (i % 2 ? first : rest) + p)).join(''));
const cookieAlphabetString = fc.string({ unit: fc.constantFrom(...'ab=; \t"%2C,'), maxLength: 40 });
const anyHeader = fc.oneof(cookieHeader, cookieAlphabetString, fc.string({ unit: 'binary', maxLength: 80 }));

describe('parseCookieHeader', () => {
  test('never throws and returns a null-prototype record of non-empty, trimmed names to strings', async (t) => {
    const property = fc.property(anyHeader, (header) => {
      const cookies = parseCookieHeader(header);
      assert.equal(Object.getPrototypeOf(cookies), null);
      for (const [key, val] of Object.entries(cookies)) {
        assert.notEqual(key, '');
        assert.equal(key, key.replace(/^[ \t]+|[ \t]+$/g, ''));
        assert.ok(!key.includes(';') && !key.includes('='));
        assert.equal(typeof val, 'string');
      }
    });
    await checkProperty(t, property, { numRuns: runs(1000) });
  });

  test('agrees with the cookie package on any header, once quoted values and empty names are accounted for', async (t) => {
    const property = fc.property(anyHeader, (header) => {
      assert.deepEqual({ ...parseCookieHeader(header) }, oracle(header));
    });
    await checkProperty(t, property, { numRuns: runs(1000) });
  });

  test("agrees with the cookie package's own decoding on headers without double quotes", async (t) => {
    const property = fc.property(anyHeader, (header) => {
      const unquoted = header.replaceAll('"', '');
      assert.deepEqual({ ...parseCookieHeader(unquoted) }, oracle(unquoted, false));
    });
    await checkProperty(t, property, { numRuns: runs(1000) });
  });
});
