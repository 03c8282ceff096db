import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeBase64url, decodeUtf8, encodeBase64url } from '../../lib/jose/base64url.ts';

describe('decodeBase64url', () => {
  test('decodes every length of canonical input to the bytes Node decodes', () => {
    for (let length = 0; length < 64; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const text = Buffer.from(bytes).toString('base64url');
      assert.deepEqual(decodeBase64url(text), new Uint8Array(bytes), `length ${length}`);
      assert.equal(encodeBase64url(bytes), text);
    }
  });

  const rejected: Record<string, string> = {
    'padding': 'YQ==',
    'one padding character': 'YWI=',
    'the standard alphabet "+"': 'a+b_',
    'the standard alphabet "/"': 'a/b_',
    'a space': 'YW Jj',
    'a line break': 'YWJj\nZGVm',
    'a length of 1 mod 4': 'YWJjZ',
    'non-zero unused bits after one byte': 'YR',
    'non-zero unused bits after two bytes': 'YWJ',
    'a non-ASCII character': 'YWJé',
    'a NUL': 'YW\u0000j',
    'a non-ASCII character whose low 7 bits are "A"': '\u0141WJj',
    'a lone surrogate': 'YW\ud800j',
    'a character beyond the 8 KB scratch buffer that is not ASCII': `${'A'.repeat(9000)}\u0141AAA`,
  };
  for (const [what, input] of Object.entries(rejected)) {
    test(`rejects ${what}`, () => assert.equal(decodeBase64url(input), undefined));
  }

  test('decodes a slice without copying the string', () => {
    assert.deepEqual(decodeBase64url('xx.YWJj.yy', 3, 7), new TextEncoder().encode('abc'));
  });

  test('refuses a range outside the string', () => {
    assert.equal(decodeBase64url('YWJj', -4, 4), undefined);
    assert.equal(decodeBase64url('YWJj', 0, 8), undefined);
  });

  test('decodes input longer than the 8 KB scratch buffer to the bytes Node decodes', () => {
    const bytes = crypto.getRandomValues(new Uint8Array(7000));
    const text = Buffer.from(bytes).toString('base64url');
    assert.ok(text.length > 8192);
    assert.deepEqual(decodeBase64url(text), new Uint8Array(bytes));
  });
});

describe('decodeUtf8', () => {
  test('refuses invalid UTF-8 instead of replacing it', () => {
    assert.equal(decodeUtf8(new Uint8Array([0x22, 0xff, 0x22])), undefined);
    assert.equal(decodeUtf8(new TextEncoder().encode('"é"')), '"é"');
  });
});
