// Property: decodeBase64url never throws, accepts exactly the canonical
// base64url strings (RFC 4648 §5 without padding, zero unused bits, §3.5), and
// decodes them to the bytes Node's own decoder gives. Canonical here means
// Buffer.from(s, 'base64url') re-encodes to s.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decodeBase64url, encodeBase64url } from '../../lib/jose/base64url.ts';
import { checkProperty, runs, tally } from './support.ts';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Node's reading of `text`, when `text` is the one canonical encoding of those bytes. */
function reference(text: string): Uint8Array | undefined {
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? new Uint8Array(bytes) : undefined;
}

// mostly alphabet characters, so about half the strings are canonical; the rest
// are what lenient decoders skip or map: padding, the standard alphabet,
// whitespace, dots, non-ASCII and lone surrogates
const nearBase64url = fc.string({
  unit: fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom(...B64URL) },
    { weight: 1, arbitrary: fc.constantFrom('=', '+', '/', ' ', '\t', '\n', '.', '%', '\0', '\u00c0', '\u0141', '\ud800', '\udfff', '\uff21') },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) },
  ),
  maxLength: 64,
});
const anyString = fc.oneof(nearBase64url, fc.string({ unit: 'binary', maxLength: 64 }));

describe('decodeBase64url', () => {
  test('accepts exactly the canonical base64url strings and decodes them as Node does', async (t) => {
    const outcomes = tally();
    const property = fc.property(anyString, (text) => {
      const expected = reference(text);
      const actual = decodeBase64url(text);
      outcomes.add(expected ? 'canonical' : 'not canonical');
      if (expected === undefined) assert.equal(actual, undefined);
      else assert.deepEqual(actual, expected);
    });
    await checkProperty(t, property, { numRuns: runs(1000), summary: () => String(outcomes) });
  });

  test('decodes a range of a string exactly as it decodes that slice', async (t) => {
    const property = fc.property(anyString, fc.nat(), fc.nat(), (text, a, b) => {
      const start = a % (text.length + 1);
      const end = start + (b % (text.length - start + 1));
      assert.deepEqual(decodeBase64url(text, start, end), decodeBase64url(text.slice(start, end)));
    });
    await checkProperty(t, property, { numRuns: runs(1000) });
  });

  test('round-trips any bytes through encodeBase64url, which writes what Node writes', async (t) => {
    const property = fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const text = encodeBase64url(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64url'));
      assert.deepEqual(decodeBase64url(text), bytes);
    });
    await checkProperty(t, property, { numRuns: runs(1000) });
  });
});
