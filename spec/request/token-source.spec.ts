import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readCredentials } from '../../lib/request/token-source.ts';

const T = 'aaa.bbb.ccc';
const tokenOf = (input: Parameters<typeof readCredentials>[0], cookieName = 'logto_authtoken') => readCredentials(input).token(cookieName);
const codeOf = (input: Parameters<typeof readCredentials>[0]) => {
  try {
    tokenOf(input);
    return undefined;
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('readCredentials', () => {
  test('takes a token string as the token', () => assert.equal(tokenOf(T), T));

  test('reads the cookie before the Authorization header', () => {
    assert.equal(tokenOf({ headers: { cookie: `logto_authtoken=${T}`, authorization: 'Bearer other.x.y' } }), T);
    assert.equal(tokenOf({ headers: { authorization: `Bearer ${T}` } }), T);
  });

  test('reads a Fetch Request and Headers', () => {
    const request = new Request('https://app.example/x', { headers: { authorization: `bearer ${T}` } });
    assert.equal(tokenOf(request), T);
    assert.equal(readCredentials(request).secure, true);
    assert.equal(readCredentials(new Request('http://app.example/x')).secure, false);
  });

  test('reads a cookies record, and Next-style cookies.get() returning { name, value }', () => {
    assert.equal(tokenOf({ headers: {}, cookies: { logto_authtoken: T } }), T);
    assert.equal(tokenOf({ headers: {}, cookies: { get: (name: string) => (name === 'logto_authtoken' ? { name, value: T } : undefined) } }), T);
    assert.equal(tokenOf({ headers: {}, cookies: { get: () => T } }), T);
  });

  test('falls back to the Cookie header when cookie-parser made an object of a j: cookie', () => {
    assert.equal(tokenOf({ headers: { cookie: 'logto_authtoken=j:{"a":1}' }, cookies: { logto_authtoken: { a: 1 } } }), 'j:{"a":1}');
  });

  test('treats the Bearer scheme case-insensitively', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) assert.equal(tokenOf({ headers: { authorization: `${scheme} ${T}` } }), T);
  });

  test('finds no token in another scheme, an empty cookie, or other cookie names', () => {
    for (const headers of [{ authorization: 'Basic dXNlcjpwYXNz' }, { authorization: `DPoP ${T}` }, { cookie: 'logto_authtoken=' }, { cookie: `LOGTO_AUTHTOKEN=${T}` }, { cookie: `xlogto_authtoken=${T}` }, {}]) {
      assert.equal(tokenOf({ headers }), undefined, JSON.stringify(headers));
    }
  });

  test('answers TOKEN_MALFORMED for a Bearer header without one well-formed token', () => {
    for (const authorization of ['Bearer', 'Bearer ', `Bearer ${T} extra`, `Bearer ${T}, Bearer ${T}`, `Bearer "${T}"`, `Bearer ${T}\u0000`]) {
      assert.equal(codeOf({ headers: { authorization } }), 'TOKEN_MALFORMED', JSON.stringify(authorization));
    }
    assert.equal(codeOf({ headers: { authorization: [`Bearer ${T}`, `Bearer ${T}`] } }), 'TOKEN_MALFORMED');
  });

  test('finds header names in any case in a plain record', () => {
    assert.equal(tokenOf({ headers: { Authorization: `Bearer ${T}` } }), T);
  });

  test('uses the first of duplicate cookies and the configured cookie name', () => {
    assert.equal(tokenOf({ headers: { cookie: `at=${T}; at=second.x.y` } }, 'at'), T);
  });

  test('tells https from Express req.secure and a TLS socket', () => {
    assert.equal(readCredentials({ headers: {}, secure: true }).secure, true);
    assert.equal(readCredentials({ headers: {}, socket: { encrypted: true } }).secure, true);
    assert.equal(readCredentials({ headers: {} }).secure, false);
  });

  test('throws a TypeError for an input of no known shape', () => {
    assert.throws(() => readCredentials(42 as never), TypeError);
    assert.throws(() => readCredentials({} as never), TypeError);
  });
});
