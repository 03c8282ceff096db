import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULTS, OPTION_KEYS, resolveOptions, type VerifyAuthOptions } from '../lib/options.ts';

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

  test('resolves an options object once while it is unchanged', () => {
    const options = { logtoUrl: 'https://t.example', audience: 'a' };
    assert.equal(resolveOptions(options), resolveOptions(options));
  });

  test('resolves again when a property of the same object changes', () => {
    const options: VerifyAuthOptions = { logtoUrl: 'https://t.example', audience: 'a' };
    const before = resolveOptions(options);
    options.allowGuest = true;
    const after = resolveOptions(options);
    assert.notEqual(after, before);
    assert.equal(after.allowGuest, true);
    assert.equal(before.allowGuest, false);
  });

  // typed by the interface: an option added to VerifyAuthOptions without a row here fails the type check
  const CHANGED: Required<{ [K in keyof VerifyAuthOptions]: VerifyAuthOptions[K] }> = {
    logtoUrl: 'https://other.example',
    audience: 'b',
    cookieName: 'other_cookie',
    requiredScope: 'read',
    allowGuest: true,
    guestCookieName: 'other_guest',
    requiredOrganization: 'org_1',
    tokenCache: false,
    algorithms: ['ES384'],
    clockTolerance: 5,
    jwksCacheTtl: 1000,
    fetch: async () => new Response('{}'),
    issuer: 'https://issuer.example/oidc',
    jwksUri: 'https://t.example/other/jwks',
    trustedOrigins: ['https://app.example.com'],
    csrfProtection: false,
    maxTokenAge: 60,
    jwksRequestHeaders: { 'user-agent': 'x' },
    onEvent: () => {},
    store: { get: async () => undefined, set: async () => {}, setIfAbsent: async () => true, delete: async () => {} } as unknown as NonNullable<VerifyAuthOptions['store']>,
    resourceMetadata: { resource: 'https://api.example.com' },
    revocation: { check: () => undefined },
    acceptsToken: 'user',
    allowedClients: ['app_1'],
    actorPolicy: 'refuse',
  };

  test('checks every option the interface declares for a change', () => {
    assert.deepEqual([...OPTION_KEYS].sort(), Object.keys(CHANGED).sort());
  });

  for (const key of Object.keys(CHANGED) as (keyof VerifyAuthOptions)[]) {
    test(`resolves again when ${key} is set or changed`, () => {
      // the audience lists the resource CHANGED.resourceMetadata names (a resource must be an audience)
      const options: VerifyAuthOptions = { logtoUrl: 'https://t.example', audience: ['a', 'https://api.example.com'] };
      const before = resolveOptions(options);
      (options as unknown as Record<string, unknown>)[key] = CHANGED[key];
      const after = resolveOptions(options);
      assert.notEqual(after, before);
      assert.equal(resolveOptions(options), after); // and once only
    });
  }

  test('resolves again when an array option changes in place', () => {
    const audience = ['a'];
    const requiredScope = ['read'];
    const options: VerifyAuthOptions = { logtoUrl: 'https://t.example', audience, requiredScope };
    resolveOptions(options);
    audience.push('b');
    requiredScope[0] = 'admin';
    const after = resolveOptions(options);
    assert.deepEqual([...after.expected.audiences], ['a', 'b']);
    assert.deepEqual(after.expected.requiredScopes, ['admin']);
  });

  test('resolves again when an array that replaced another changes in place', () => {
    const options: VerifyAuthOptions = { logtoUrl: 'https://t.example', audience: 'a' };
    resolveOptions(options);
    const audience = ['a', 'b'];
    options.audience = audience;
    assert.deepEqual([...resolveOptions(options).expected.audiences], ['a', 'b']);
    audience.pop();
    assert.deepEqual([...resolveOptions(options).expected.audiences], ['a']);
  });

  test('sees an option served by a getter, own or inherited, change its answer', () => {
    let guests = false;
    const options = Object.create({ get allowGuest() { return guests; } }) as VerifyAuthOptions;
    options.logtoUrl = 'https://t.example';
    options.audience = 'a';
    assert.equal(resolveOptions(options).allowGuest, false);
    guests = true;
    assert.equal(resolveOptions(options).allowGuest, true);
  });

  test('sees an option defined later as a non-enumerable property', () => {
    const options: VerifyAuthOptions = { logtoUrl: 'https://t.example', audience: 'a' };
    assert.equal(resolveOptions(options).expected.clockToleranceSec, 0);
    Object.defineProperty(options, 'clockTolerance', { value: 30, enumerable: false });
    assert.equal(resolveOptions(options).expected.clockToleranceSec, 30);
  });

  test('resolves again when a header record changes in place', () => {
    const jwksRequestHeaders: Record<string, string> = { 'user-agent': 'a' };
    const options: VerifyAuthOptions = { logtoUrl: 'https://t.example', audience: 'a', jwksRequestHeaders };
    resolveOptions(options);
    jwksRequestHeaders['user-agent'] = 'b';
    assert.deepEqual(resolveOptions(options).jwksRequestHeaders, { 'user-agent': 'b' });
  });

  test('reads a fresh resolution for factories, untouched by later changes to the object', () => {
    const options: VerifyAuthOptions = { logtoUrl: 'https://t.example', audience: 'a', requiredScope: 'admin' };
    const first = resolveOptions(options, { fresh: true });
    options.requiredScope = 'read';
    options.allowGuest = true;
    const second = resolveOptions(options, { fresh: true });
    assert.deepEqual(first.expected.requiredScopes, ['admin']);
    assert.equal(first.allowGuest, false);
    assert.deepEqual(second.expected.requiredScopes, ['read']);
    assert.equal(second.allowGuest, true);
  });

  test('reads cookieName: false as header-only', () => {
    assert.equal(resolveOptions({ logtoUrl: 'https://t.example', audience: 'a', cookieName: false }).cookieName, undefined);
  });

  test('refuses a wildcard in trustedOrigins with a TypeError that says to list each origin, without echoing the list', () => {
    for (const pattern of ['*', 'https://*.example.com', 'https://*', 'https://app.example.com:*']) {
      assert.throws(() => resolveOptions({ logtoUrl: 'https://t.example', audience: 'a', trustedOrigins: ['https://ok.example.com', pattern] }), (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.equal(error.message, 'logto-authkit: trustedOrigins takes exact origins, not patterns: "*" matches nothing; list each origin, such as https://app.example.com');
        return true;
      }, pattern);
    }
  });

  test('normalises trustedOrigins to origins', () => {
    const resolved = resolveOptions({ logtoUrl: 'https://t.example', audience: 'a', trustedOrigins: ['https://app.example.com', 'http://localhost:3000'] });
    assert.deepEqual([...resolved.trustedOrigins], ['https://app.example.com', 'http://localhost:3000']);
    assert.equal(resolved.csrfProtection, true);
  });

  test('says to drop /oidc when the issuer is passed as logtoUrl', () => {
    assert.throws(() => resolveOptions({ logtoUrl: 'https://t.logto.app/oidc', audience: 'a' }), (error: Error) => error instanceof TypeError && /not the issuer/.test(error.message));
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
    'a logtoUrl with surrounding whitespace': { logtoUrl: ' https://t.example\n', audience: 'a' },
    'a logtoUrl that is the issuer': { logtoUrl: 'https://t.example/oidc/', audience: 'a' },
    'algorithms that leave nothing allowed': { logtoUrl: 'https://t.example', audience: 'a', algorithms: ['HS256', 'none'] },
    'an empty algorithms list': { logtoUrl: 'https://t.example', audience: 'a', algorithms: [] },
    'algorithms with a null': { logtoUrl: 'https://t.example', audience: 'a', algorithms: [null, 'ES384'] },
    'a trusted origin with a path': { logtoUrl: 'https://t.example', audience: 'a', trustedOrigins: ['https://app.example.com/x'] },
    'a trusted origin that is not a URL': { logtoUrl: 'https://t.example', audience: 'a', trustedOrigins: ['app.example.com'] },
    'a trusted origin with a character no host has': { logtoUrl: 'https://t.example', audience: 'a', trustedOrigins: ['https://a!b.example.com'] },
    'a maxTokenAge of 0': { logtoUrl: 'https://t.example', audience: 'a', maxTokenAge: 0 },
    'jwksRequestHeaders with a number': { logtoUrl: 'https://t.example', audience: 'a', jwksRequestHeaders: { 'x-a': 1 } },
    'an onEvent that is not a function': { logtoUrl: 'https://t.example', audience: 'a', onEvent: 'log' },
    'a csrfProtection that is not a boolean': { logtoUrl: 'https://t.example', audience: 'a', csrfProtection: 'off' },
    'an unknown acceptsToken': { logtoUrl: 'https://t.example', audience: 'a', acceptsToken: 'm2m' },
    'an empty allowedClients list': { logtoUrl: 'https://t.example', audience: 'a', allowedClients: [] },
    'allowedClients with an empty id': { logtoUrl: 'https://t.example', audience: 'a', allowedClients: ['app_1', ''] },
    'an unknown actorPolicy': { logtoUrl: 'https://t.example', audience: 'a', actorPolicy: 'deny' },
  };
  for (const [what, options] of Object.entries(bad)) {
    test(`throws a TypeError for ${what}`, () => {
      assert.throws(() => resolveOptions(options as VerifyAuthOptions), TypeError);
    });
  }

  test('checks no caller when acceptsToken is any and actorPolicy allow (the defaults), and keeps a policy otherwise', () => {
    const base = { logtoUrl: 'https://t.example', audience: 'a' };
    assert.equal(resolveOptions({ ...base }).expected.caller, undefined);
    assert.equal(resolveOptions({ ...base, acceptsToken: 'any', actorPolicy: 'allow' }).expected.caller, undefined);
    const caller = resolveOptions({ ...base, acceptsToken: 'user', allowedClients: ['https://mcp.example.com/client.json'], actorPolicy: 'refuse' }).expected.caller;
    assert.deepEqual({ ...caller, clients: [...(caller?.clients ?? [])] }, { tokenType: 'user', clients: ['https://mcp.example.com/client.json'], actor: 'refuse' });
  });
});
