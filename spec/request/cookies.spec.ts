import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCookieName, parseCookieHeader, serializeGuestCookie } from '../../lib/request/cookies.ts';

describe('parseCookieHeader', () => {
  test('returns a null-prototype record', () => {
    const cookies = parseCookieHeader('a=1');
    assert.equal(Object.getPrototypeOf(cookies), null);
    assert.deepEqual({ ...cookies }, { a: '1' });
  });

  test('keeps __proto__, constructor and toString as plain names without touching Object.prototype', () => {
    const cookies = parseCookieHeader('__proto__=x; constructor=y; toString=z');
    assert.equal(cookies.__proto__, 'x');
    assert.equal(cookies.constructor, 'y');
    assert.equal(cookies.hasOwnProperty, undefined);
    assert.equal(({} as Record<string, unknown>).x, undefined);
    assert.equal(Object.getPrototypeOf(cookies), null);
  });

  test('splits on semicolons with or without a following space', () => {
    assert.deepEqual({ ...parseCookieHeader('a=1;b=2; c=3') }, { a: '1', b: '2', c: '3' });
  });

  test('trims spaces and tabs around names and values', () => {
    assert.deepEqual({ ...parseCookieHeader(' a = 1 ;\tb\t=\t2\t') }, { a: '1', b: '2' });
  });

  test('removes one pair of double quotes around a value', () => {
    assert.deepEqual({ ...parseCookieHeader('a="1"; b=""; c="x') }, { a: '1', b: '', c: '"x' });
  });

  test('decodes valid percent-encoding and keeps bad encoding raw', () => {
    assert.deepEqual({ ...parseCookieHeader('a=%20b; c=%E0%A4%A; d=100%') }, { a: ' b', c: '%E0%A4%A', d: '100%' });
  });

  test('keeps the first occurrence of a name', () => {
    assert.equal(parseCookieHeader('a=first; a=second').a, 'first');
  });

  test('skips pairs without "=" and pairs with an empty name', () => {
    assert.deepEqual({ ...parseCookieHeader('flag; =v; a=1; ;;') }, { a: '1' });
  });

  test('treats a comma as part of the value (RFC 6265 §4.2.1)', () => {
    assert.equal(parseCookieHeader('a=1, b=2').a, '1, b=2');
  });

  test('never throws, whatever the header holds', () => {
    for (const header of ['', ';', '=', '==', '%', 'a=%', 'a=\u0000', 'a=\uD800', '\r\n', 'a'.repeat(100_000) + '=1', ';'.repeat(100_000)]) {
      assert.doesNotThrow(() => parseCookieHeader(header));
    }
  });

  test('takes an empty value as an empty string', () => {
    assert.equal(parseCookieHeader('a=').a, '');
  });

  // Work is counted, not timed: every character String.prototype.indexOf looks
  // at while the header is parsed. A hostile header of many pairs without "="
  // and one `x=y` at the end made each pair rescan to the end (quadratic).
  test('examines each character a bounded number of times, so hostile headers cost linear work', () => {
    for (const unit of ['a;', 'a; ', ';', 'a=1;']) {
      const small = charactersExamined(`${unit.repeat(1_000)}x=y`);
      const large = charactersExamined(`${unit.repeat(10_000)}x=y`);
      assert.ok(large.examined <= 3 * large.length, `${JSON.stringify(unit)}: ${large.examined} characters examined for a header of ${large.length}`);
      // ten times the input, about ten times the work (quadratic would be a hundred)
      assert.ok(large.examined <= 11 * small.examined, `${JSON.stringify(unit)}: ${small.examined} then ${large.examined}`);
      assert.equal(large.cookies.x, 'y');
    }
  });
});

/** Parses `header` while counting the characters every indexOf call examines. */
function charactersExamined(header: string): { examined: number; length: number; cookies: Record<string, string> } {
  const indexOf = String.prototype.indexOf;
  let examined = 0;
  String.prototype.indexOf = function (this: string, search: string, from?: number) {
    const start = Math.max(0, Math.min(from ?? 0, this.length));
    const found = indexOf.call(this, search, start);
    examined += found === -1 ? this.length - start : found - start + search.length;
    return found;
  };
  try {
    const cookies = parseCookieHeader(header);
    return { examined, length: header.length, cookies };
  } finally {
    String.prototype.indexOf = indexOf;
  }
}

describe('serializeGuestCookie', () => {
  test('writes the contract attributes, Secure only on https', () => {
    const id = '3f2b8c1e-9a4d-4e7b-8c2f-1d6a5b4c3e2f';
    assert.equal(serializeGuestCookie('guest_logto_authtoken', id, false), `guest_logto_authtoken=${id}; Path=/; HttpOnly; SameSite=Lax`);
    assert.equal(serializeGuestCookie('guest_logto_authtoken', id, true), `guest_logto_authtoken=${id}; Path=/; HttpOnly; SameSite=Lax; Secure`);
  });

  test('throws a TypeError for names or values that could inject attributes or headers', () => {
    assert.throws(() => serializeGuestCookie('g', 'abc; Domain=evil.example', false), TypeError);
    assert.throws(() => serializeGuestCookie('g', 'abc\r\nSet-Cookie: admin=1', false), TypeError);
    assert.throws(() => serializeGuestCookie('g; Max-Age=9', 'abc', false), TypeError);
    assert.throws(() => serializeGuestCookie('', 'abc', false), TypeError);
  });
});

describe('isCookieName', () => {
  test('accepts RFC 2616 tokens only', () => {
    assert.ok(isCookieName('logto_authtoken'));
    assert.ok(isCookieName('__Host-id'));
    for (const bad of ['', 'a b', 'a;b', 'a=b', 'a,b', 'a\r', 'é', 42, undefined]) assert.equal(isCookieName(bad), false, String(bad));
  });
});
