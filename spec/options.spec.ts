import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULTS, resolveOptions, type VerifyAuthOptions } from '../lib/options.ts';

describe('resolveOptions', () => {
  test('derives issuer and JWKS URL from logtoUrl, trimming trailing slashes', () => {
    const resolved = resolveOptions({ logtoUrl: 'https://tenant.logto.app//', audience: 'https://api' });
    assert.equal(resolved.issuer, 'https://tenant.logto.app/oidc');
    assert.equal(resolved.jwksUri, 'https://tenant.logto.app/oidc/jwks');
    assert.deepEqual([...resolved.expected.issuers], ['https://tenant.logto.app/oidc']);
    assert.deepEqual([...resolved.expected.audiences], ['https://api']);
  });

  test('applies the contract defaults', () => {
    const resolved = resolveOptions({ logtoUrl: 'https://t.example', audience: 'a' });
    assert.equal(resolved.cookieName, 'logto_authtoken');
    assert.equal(resolved.guestCookieName, 'guest_logto_authtoken');
    assert.equal(resolved.allowGuest, false);
    assert.equal(resolved.expected.clockToleranceSec, 0);
    assert.equal(resolved.jwksCacheTtl, 300_000);
    assert.deepEqual([...resolved.algorithms], ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);
    assert.deepEqual([...resolved.expected.requiredScopes], []);
    assert.equal(DEFAULTS.jwksCacheTtl, 300_000);
  });

  test('takes issuer and jwksUri overrides', () => {
    const resolved = resolveOptions({ logtoUrl: 'https://t.example', audience: ['a', 'b'], issuer: ['https://auth.example.com/oidc', 'https://t.example/oidc'], jwksUri: 'http://logto.internal:3001/oidc/jwks' });
    assert.deepEqual([...resolved.expected.issuers], ['https://auth.example.com/oidc', 'https://t.example/oidc']);
    assert.equal(resolved.jwksUri, 'http://logto.internal:3001/oidc/jwks');
    assert.deepEqual([...resolved.expected.audiences], ['a', 'b']);
  });

  test('never allows none or HS*, whatever is passed', () => {
    const resolved = resolveOptions({ logtoUrl: 'https://t.example', audience: 'a', algorithms: ['none', 'HS256', 'HS512', 'ES384', 'es256'] });
    assert.deepEqual([...resolved.algorithms], ['ES384']);
  });

  test('resolves an options object once', () => {
    const options = { logtoUrl: 'https://t.example', audience: 'a' };
    assert.equal(resolveOptions(options), resolveOptions(options));
  });

  const bad: Record<string, unknown> = {
    'no options': undefined,
    'no logtoUrl': { audience: 'a' },
    'an empty logtoUrl': { logtoUrl: '', audience: 'a' },
    'a logtoUrl that is not a URL': { logtoUrl: 'tenant.logto.app', audience: 'a' },
    'a logtoUrl that is not http(s)': { logtoUrl: 'ftp://tenant.logto.app', audience: 'a' },
    'no audience': { logtoUrl: 'https://t.example' },
    'an empty audience': { logtoUrl: 'https://t.example', audience: '' },
    'an empty audience list': { logtoUrl: 'https://t.example', audience: [] },
    'a non-string audience': { logtoUrl: 'https://t.example', audience: [42] },
    'algorithms that are not an array': { logtoUrl: 'https://t.example', audience: 'a', algorithms: 'ES384' },
    'a negative clockTolerance': { logtoUrl: 'https://t.example', audience: 'a', clockTolerance: -1 },
    'a NaN jwksCacheTtl': { logtoUrl: 'https://t.example', audience: 'a', jwksCacheTtl: Number.NaN },
    'a fetch that is not a function': { logtoUrl: 'https://t.example', audience: 'a', fetch: 'fetch' },
    'a cookie name with a semicolon': { logtoUrl: 'https://t.example', audience: 'a', cookieName: 'a; Domain=x' },
    'a guest cookie name with CRLF': { logtoUrl: 'https://t.example', audience: 'a', guestCookieName: 'g\r\nx' },
    'a required scope with a space': { logtoUrl: 'https://t.example', audience: 'a', requiredScope: 'read write' },
  };
  for (const [what, options] of Object.entries(bad)) {
    test(`throws a TypeError for ${what}`, () => {
      assert.throws(() => resolveOptions(options as VerifyAuthOptions), TypeError);
    });
  }
});
