// verifyLogtoToken and verifyAuth against a real loopback JWKS: every row of the
// contract's error table, every algorithm, every input shape, and guest mode.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { clearJwksCache } from '../lib/keys/jwks-cache.ts';
import { authenticate, verifyAuth, verifyLogtoToken } from '../lib/verify.ts';
import { resolveOptions } from '../lib/options.ts';
import { startJwksServer, type JwksServer } from './helpers/jwks-server.ts';
import { ALL_ALGORITHMS, makeKey, mint, type TestKey } from './helpers/keys.ts';

const AUDIENCE = 'https://api.example.test';
let server: JwksServer;
const keys = {} as Record<(typeof ALL_ALGORITHMS)[number], TestKey>;

before(async () => {
  for (const alg of ALL_ALGORITHMS) keys[alg] = await makeKey(alg);
  server = await startJwksServer(Object.values(keys).map((key) => key.publicJwk));
});
after(() => server.close());
beforeEach(() => clearJwksCache());

const options = (extra: Record<string, unknown> = {}) => ({ logtoUrl: server.logtoUrl, audience: AUDIENCE, ...extra });
const token = (alg: keyof typeof keys = 'ES384', extra: { claims?: Record<string, unknown>; header?: Record<string, unknown>; expiresIn?: number; aud?: string | string[]; iss?: string } = {}) =>
  mint(keys[alg], { iss: extra.iss ?? server.issuer, aud: extra.aud ?? AUDIENCE, claims: extra.claims, header: extra.header, expiresIn: extra.expiresIn });

describe('verifyLogtoToken', () => {
  for (const alg of ALL_ALGORITHMS) {
    test(`verifies a ${alg} access token and returns the context`, async () => {
      const context = await verifyLogtoToken(await token(alg), options());
      assert.equal(context.userId, 'user_123');
      assert.equal(context.isAuthenticated, true);
      assert.equal(context.payload?.iss, server.issuer);
      assert.equal(context.payload?.aud, AUDIENCE);
      assert.equal(context.payload?.scope, 'read:data write:data');
      assert.equal(context.isGuest, undefined);
    });
  }

  test('accepts Logto ES384 tokens with default options (no algorithms given)', async () => {
    assert.equal((await verifyLogtoToken(await token('ES384'), options())).userId, 'user_123');
  });

  // one row per code of the contract's error table
  const table: Array<[string, () => Promise<unknown>, string, number]> = [
    ['TOKEN_MALFORMED for a token that is not a JWS', () => verifyLogtoToken('not-a-jwt', options()), 'TOKEN_MALFORMED', 401],
    ['TOKEN_MALFORMED for a token without exp', async () => verifyLogtoToken(await token('ES384', { claims: { exp: undefined } }), options()), 'TOKEN_MALFORMED', 401],
    ['TOKEN_MALFORMED for a claim of the wrong type', async () => verifyLogtoToken(await token('ES384', { claims: { sub: 42 } }), options()), 'TOKEN_MALFORMED', 401],
    ['TOKEN_TYPE_INVALID for an ID token (typ JWT)', async () => verifyLogtoToken(await token('ES384', { header: { typ: 'JWT' } }), options()), 'TOKEN_TYPE_INVALID', 401],
    ['ALGORITHM_NOT_ALLOWED for an alg outside the allow-list', async () => verifyLogtoToken(await token('RS256'), options({ algorithms: ['ES384'] })), 'ALGORITHM_NOT_ALLOWED', 401],
    ['ALGORITHM_NOT_ALLOWED for alg none', async () => verifyLogtoToken(unsigned({ alg: 'none', typ: 'at+jwt' }), options({ algorithms: ['none', 'ES384'] })), 'ALGORITHM_NOT_ALLOWED', 401],
    ['ALGORITHM_NOT_ALLOWED for HS256 even when listed', async () => verifyLogtoToken(unsigned({ alg: 'HS256', typ: 'at+jwt', kid: 'es384' }), options({ algorithms: ['HS256', 'ES384'] })), 'ALGORITHM_NOT_ALLOWED', 401],
    ['ALGORITHM_NOT_ALLOWED for an alg that does not fit the key', async () => verifyLogtoToken(await token('ES256', { header: { kid: 'es384' } }), options()), 'ALGORITHM_NOT_ALLOWED', 401],
    ['KEY_NOT_FOUND for an unknown kid', async () => verifyLogtoToken(await token('ES384', { header: { kid: 'nope' } }), options()), 'KEY_NOT_FOUND', 401],
    ['SIGNATURE_INVALID for a changed payload', async () => verifyLogtoToken(tamper(await token()), options()), 'SIGNATURE_INVALID', 401],
    ['TOKEN_EXPIRED for a past exp', async () => verifyLogtoToken(await token('ES384', { expiresIn: -1 }), options()), 'TOKEN_EXPIRED', 401],
    ['TOKEN_NOT_YET_VALID for a future nbf', async () => verifyLogtoToken(await token('ES384', { claims: { nbf: Math.floor(Date.now() / 1000) + 600 } }), options()), 'TOKEN_NOT_YET_VALID', 401],
    ['ISSUER_INVALID for another tenant', async () => verifyLogtoToken(await token('ES384', { iss: 'https://other.logto.app/oidc' }), options()), 'ISSUER_INVALID', 401],
    ['AUDIENCE_INVALID for another resource', async () => verifyLogtoToken(await token('ES384', { aud: 'https://other.example' }), options()), 'AUDIENCE_INVALID', 401],
    ['SCOPE_MISSING for a scope that only prefixes a granted one', async () => verifyLogtoToken(await token('ES384', { claims: { scope: 'read:all' } }), options({ requiredScope: 'read' })), 'SCOPE_MISSING', 403],
    ['JWKS_UNAVAILABLE when the JWKS cannot be reached', async () => verifyLogtoToken(await token(), options({ jwksUri: 'http://127.0.0.1:9/oidc/jwks' })), 'JWKS_UNAVAILABLE', 503],
  ];
  for (const [what, run, code, status] of table) {
    test(`answers ${what}`, async () => {
      await assert.rejects(run(), (error: { name: string; code: string; status: number; message: string }) => {
        assert.equal(error.name, 'AuthError');
        assert.equal(error.code, code);
        assert.equal(error.status, status);
        assert.ok(error.message.length > 0);
        return true;
      });
    });
  }

  test('checks the signature before any claim, so a forged expired token is SIGNATURE_INVALID', async () => {
    await assert.rejects(verifyLogtoToken(tamper(await token('ES384', { expiresIn: -100 })), options()), { code: 'SIGNATURE_INVALID' });
  });

  test('makes no JWKS request for a token it refuses anyway', async () => {
    const before = server.hits();
    await assert.rejects(verifyLogtoToken(await token('RS256'), options({ algorithms: ['ES384'] })), { code: 'ALGORITHM_NOT_ALLOWED' });
    await assert.rejects(verifyLogtoToken(await token('ES384', { header: { typ: 'JWT' } }), options()), { code: 'TOKEN_TYPE_INVALID' });
    assert.equal(server.hits(), before);
  });

  test('accepts the issuer override and any listed audience', async () => {
    const t = await token('ES384', { iss: 'https://auth.custom.example/oidc', aud: ['x', 'https://b'] });
    const context = await verifyLogtoToken(t, options({ issuer: ['https://auth.custom.example/oidc'], audience: ['https://a', 'https://b'] }));
    assert.equal(context.isAuthenticated, true);
  });

  test('honours clockTolerance for exp', async () => {
    const t = await token('ES384', { expiresIn: -5 });
    assert.equal((await verifyLogtoToken(t, options({ clockTolerance: 30 }))).isAuthenticated, true);
  });

  test('requires every listed scope', async () => {
    const t = await token();
    assert.equal((await verifyLogtoToken(t, options({ requiredScope: ['read:data', 'write:data'] }))).isAuthenticated, true);
    await assert.rejects(verifyLogtoToken(t, options({ requiredScope: ['read:data', 'delete:data'] })), { code: 'SCOPE_MISSING', status: 403 });
  });

  test('never puts the token or its signature into an error message', async () => {
    const t = await token();
    const signature = t.slice(t.lastIndexOf('.') + 1);
    const attempts = [tamper(t), `${t}x`, t.replace(/\.[^.]*$/, '.'), t];
    for (const attempt of attempts) {
      for (const extra of [{}, { requiredScope: 'admin' }, { audience: 'x' }]) {
        try {
          await verifyLogtoToken(attempt, options(extra));
        } catch (error) {
          const text = `${(error as Error).message} ${JSON.stringify((error as { detail?: unknown }).detail ?? null)}`;
          assert.ok(!text.includes(signature) && !text.includes(attempt.slice(0, 40)), 'the message leaks the token');
        }
      }
    }
  });

  test('throws a TypeError for bad options before any network use', async () => {
    const before = server.hits();
    await assert.rejects(verifyLogtoToken(await token(), { logtoUrl: 'not a url', audience: AUDIENCE }), TypeError);
    await assert.rejects(verifyLogtoToken(await token(), { logtoUrl: server.logtoUrl, audience: [] }), TypeError);
    assert.equal(server.hits(), before);
  });

  test('does not apply guest mode', async () => {
    await assert.rejects(verifyLogtoToken('', options({ allowGuest: true })), { code: 'TOKEN_MALFORMED' });
  });
});

describe('verifyAuth', () => {
  test('takes a token string, a Fetch Request, a Node-style req and { headers, cookies }', async () => {
    const t = await token();
    const inputs = [
      t,
      new Request('https://app.example/api', { headers: { authorization: `Bearer ${t}` } }),
      new Request('https://app.example/api', { headers: { cookie: `logto_authtoken=${t}` } }),
      { headers: { authorization: `bearer ${t}` } },
      { headers: new Headers({ Cookie: `a=1; logto_authtoken=${t}` }) },
      { headers: {}, cookies: { logto_authtoken: t } },
      { headers: {}, cookies: { get: (name: string) => (name === 'logto_authtoken' ? { name, value: t } : undefined) } },
    ];
    for (const input of inputs) assert.equal((await verifyAuth(input, options())).userId, 'user_123');
  });

  test('uses the cookie before the Authorization header, with a configured cookie name', async () => {
    const t = await token();
    const context = await verifyAuth({ headers: { cookie: `my_at=${t}`, authorization: 'Bearer garbage' } }, options({ cookieName: 'my_at' }));
    assert.equal(context.isAuthenticated, true);
  });

  test('answers TOKEN_MISSING when neither source has a token', async () => {
    await assert.rejects(verifyAuth({ headers: { cookie: 'other=1', authorization: 'Basic dXNlcjpwYXNz' } }, options()), { code: 'TOKEN_MISSING', status: 401 });
    await assert.rejects(verifyAuth(new Request('https://app.example/'), options()), { code: 'TOKEN_MISSING', status: 401 });
  });

  describe('cookie, then Bearer', () => {
    const user = (sub: string, extra: Parameters<typeof token>[1] = {}) => token('ES384', { ...extra, claims: { sub, ...extra.claims } });
    const CROSS_SITE = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', host: 'api.example.test' };
    const PLANTED_GUEST = '3f2b8c1e-9a4d-4e7b-8c2f-1d6a5b4c3e2f';

    test('answers as the Bearer user when the cookie holds an expired token', async () => {
      const input = { headers: { cookie: `logto_authtoken=${await user('cookie_user', { expiresIn: -1 })}`, authorization: `Bearer ${await user('bearer_user')}` } };
      assert.equal((await verifyAuth(input, options())).userId, 'bearer_user');
    });

    test('answers as the Bearer user, not as a guest, for a planted cookie and a planted guest cookie', async () => {
      const planted = tamper(await user('victim'));
      const input = { headers: { cookie: `logto_authtoken=${planted}; guest_logto_authtoken=${PLANTED_GUEST}`, authorization: `Bearer ${await user('bearer_user')}` } };
      const context = await verifyAuth(input, options({ allowGuest: true }));
      assert.equal(context.userId, 'bearer_user');
      assert.equal(context.isGuest, undefined);
    });

    test('answers as the cookie user when the cookie verifies and the Bearer token does not', async () => {
      const cookie = await user('cookie_user');
      for (const authorization of ['Bearer garbage', `Bearer ${tamper(await user('bearer_user'))}`, 'Bearer a b']) {
        assert.equal((await verifyAuth({ headers: { cookie: `logto_authtoken=${cookie}`, authorization } }, options())).userId, 'cookie_user', authorization);
      }
    });

    test("gives the Bearer token's failure when both fail", async () => {
      const input = { headers: { cookie: `logto_authtoken=${await user('cookie_user', { expiresIn: -1 })}`, authorization: `Bearer ${await user('bearer_user', { aud: 'https://other.example' })}` } };
      await assert.rejects(verifyAuth(input, options()), { code: 'AUDIENCE_INVALID', status: 401 });
      const guest = await verifyAuth({ ...input, headers: { ...input.headers, cookie: `${input.headers.cookie}; guest_logto_authtoken=${PLANTED_GUEST}` } }, options({ allowGuest: true }));
      assert.deepEqual([guest.isGuest, guest.guestId], [true, PLANTED_GUEST]);
    });

    test('does not fall back from a cookie refused with a 403 or a 503', async () => {
      const bearer = `Bearer ${await user('bearer_user')}`;
      await assert.rejects(verifyAuth({ headers: { cookie: `logto_authtoken=${await user('cookie_user')}`, authorization: bearer } }, options({ requiredScope: 'admin' })), { code: 'SCOPE_MISSING', status: 403 });
      await assert.rejects(verifyAuth({ headers: { cookie: `logto_authtoken=${await user('cookie_user')}`, authorization: bearer } }, options({ jwksUri: 'http://127.0.0.1:9/oidc/jwks' })), { code: 'JWKS_UNAVAILABLE', status: 503 });
    });

    test('reads only the Authorization header with cookieName false', async () => {
      const cookie = `logto_authtoken=${await user('cookie_user')}`;
      await assert.rejects(verifyAuth({ headers: { cookie } }, options({ cookieName: false })), { code: 'TOKEN_MISSING' });
      assert.equal((await verifyAuth({ method: 'POST', headers: { cookie, authorization: `Bearer ${await user('bearer_user')}`, ...CROSS_SITE } }, options({ cookieName: false }))).userId, 'bearer_user');
    });

    test('answers CSRF_REJECTED for a cross-site POST with the cookie only, in guest mode too', async () => {
      const input = { method: 'POST', headers: { cookie: `logto_authtoken=${await user('cookie_user')}; guest_logto_authtoken=${PLANTED_GUEST}`, ...CROSS_SITE } };
      await assert.rejects(verifyAuth(input, options()), { code: 'CSRF_REJECTED', status: 403 });
      await assert.rejects(verifyAuth(input, options({ allowGuest: true })), { code: 'CSRF_REJECTED', status: 403 });
      // the cookie is refused before it is verified: an expired one is no different
      await assert.rejects(verifyAuth({ ...input, headers: { ...input.headers, cookie: `logto_authtoken=${await user('cookie_user', { expiresIn: -1 })}` } }, options({ allowGuest: true })), { code: 'CSRF_REJECTED' });
    });

    test('answers CSRF_REJECTED in guest mode, never a guest, for a cross-site POST whose Bearer token fails too', async () => {
      const cookie = `logto_authtoken=${await user('cookie_user')}; guest_logto_authtoken=${PLANTED_GUEST}`;
      for (const authorization of [`Bearer ${await user('bearer_user', { expiresIn: -1 })}`, `Bearer ${tamper(await user('bearer_user'))}`, 'Bearer a.b.c', 'Bearer a b']) {
        const input = { method: 'POST', headers: { cookie, authorization, ...CROSS_SITE } };
        await assert.rejects(verifyAuth(input, options({ allowGuest: true })), { code: 'CSRF_REJECTED', status: 403 }, authorization);
        // without guest mode the Bearer token's own 401 is the answer, as the contract says
        await assert.rejects(verifyAuth(input, options()), (error: { status: number; code: string }) => error.status === 401 && error.code !== 'CSRF_REJECTED', authorization);
      }
      // a valid Bearer token still decides, and its 403 stays its own
      const valid = { method: 'POST', headers: { cookie, authorization: `Bearer ${await user('bearer_user')}`, ...CROSS_SITE } };
      assert.equal((await verifyAuth(valid, options({ allowGuest: true }))).userId, 'bearer_user');
      await assert.rejects(verifyAuth(valid, options({ allowGuest: true, requiredScope: 'admin' })), { code: 'SCOPE_MISSING', status: 403 });
    });

    test('answers as the Bearer user for a cross-site POST that carries the cookie and a valid Bearer token', async () => {
      const input = { method: 'POST', headers: { cookie: `logto_authtoken=${await user('cookie_user')}`, authorization: `Bearer ${await user('bearer_user')}`, ...CROSS_SITE } };
      assert.equal((await verifyAuth(input, options())).userId, 'bearer_user');
      const request = new Request('https://api.example.test/x', { method: 'POST', headers: input.headers });
      assert.equal((await verifyAuth(request, options())).userId, 'bearer_user');
    });

    test('never checks a Bearer token for cross-origin', async () => {
      for (const method of ['POST', 'PUT', 'DELETE']) {
        const request = new Request('https://api.example.test/x', { method, headers: { authorization: `Bearer ${await user('bearer_user')}`, ...CROSS_SITE, origin: 'null' } });
        assert.equal((await verifyAuth(request, options())).userId, 'bearer_user', method);
      }
    });

    test('checks the cookie of a Fetch Request, a Node-style req and a plain input with a method', async () => {
      const cookie = `logto_authtoken=${await user('cookie_user')}`;
      const inputs = [
        new Request('https://api.example.test/x', { method: 'PATCH', headers: { cookie, origin: 'https://evil.example' } }),
        { method: 'DELETE', headers: { cookie, host: 'api.example.test', origin: 'https://evil.example' }, url: '/x' },
        { method: 'POST', headers: { cookie, 'sec-fetch-site': 'same-site' } },
      ];
      for (const input of inputs) await assert.rejects(verifyAuth(input, options()), { code: 'CSRF_REJECTED', status: 403 });
    });

    test('lets a same-origin POST, a cross-site GET and an input without a method through with the cookie', async () => {
      const cookie = `logto_authtoken=${await user('cookie_user')}`;
      const inputs = [
        new Request('https://api.example.test/x', { method: 'POST', headers: { cookie, origin: 'https://api.example.test', 'sec-fetch-site': 'same-origin' } }),
        new Request('https://api.example.test/x', { method: 'POST', headers: { cookie, origin: 'https://api.example.test' } }),
        new Request('https://api.example.test/x', { method: 'GET', headers: { cookie, ...CROSS_SITE } }),
        { method: 'POST', headers: { cookie } },
        { headers: { cookie, ...CROSS_SITE } },
      ];
      for (const input of inputs) assert.equal((await verifyAuth(input, options())).userId, 'cookie_user');
    });

    test('lets a trusted origin through, and everything through with csrfProtection false', async () => {
      const input = { method: 'POST', headers: { cookie: `logto_authtoken=${await user('cookie_user')}`, origin: 'https://app.example.test', 'sec-fetch-site': 'same-site', host: 'api.example.test' } };
      assert.equal((await verifyAuth(input, options({ trustedOrigins: ['https://app.example.test'] }))).userId, 'cookie_user');
      assert.equal((await verifyAuth({ ...input, headers: { ...input.headers, ...CROSS_SITE } }, options({ csrfProtection: false }))).userId, 'cookie_user');
    });

    test('tells the onEvent hook about a cross-origin rejection, without a token', async () => {
      const events: unknown[] = [];
      const cookie = await user('cookie_user');
      await assert.rejects(verifyAuth({ method: 'POST', headers: { cookie: `logto_authtoken=${cookie}`, ...CROSS_SITE } }, options({ onEvent: (event: unknown) => events.push(event) })), { code: 'CSRF_REJECTED' });
      const crossOrigin = events.filter((event) => (event as { stage?: string }).stage === 'cross-origin');
      assert.deepEqual(crossOrigin.map((event) => [(event as { type: string }).type, (event as { code: string }).code, (event as { status: number }).status]), [['rejected', 'CSRF_REJECTED', 403]]);
      assert.ok(!JSON.stringify(events).includes(cookie.slice(cookie.lastIndexOf('.') + 1)));
    });
  });

  describe('guest mode', () => {
    const guest = (extra: Record<string, unknown> = {}) => options({ allowGuest: true, ...extra });
    const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

    test('returns a guest context with a new id when there is no token', async () => {
      const context = await verifyAuth({ headers: {} }, guest());
      assert.equal(context.userId, null);
      assert.equal(context.isAuthenticated, false);
      assert.equal(context.payload, null);
      assert.equal(context.isGuest, true);
      assert.match(context.guestId!, UUID);
    });

    test('keeps the guest id from a well-formed guest cookie', async () => {
      const id = '3f2b8c1e-9a4d-4e7b-8c2f-1d6a5b4c3e2f';
      assert.equal((await verifyAuth({ headers: { cookie: `guest_logto_authtoken=${id}` } }, guest())).guestId, id);
      assert.equal((await verifyAuth({ headers: { cookie: `g=${id}` } }, guest({ guestCookieName: 'g' }))).guestId, id);
      const outcome = await authenticate({ headers: { cookie: `guest_logto_authtoken=${id}` } }, resolveOptions(guest()));
      assert.equal(outcome.newGuestId, false);
    });

    test('makes a new id for a guest cookie that is not a canonical UUID', async () => {
      for (const value of ['00000000-0000-0000-0000-000000000000', '3F2B8C1E-9A4D-4E7B-8C2F-1D6A5B4C3E2F', 'user_123', '../../etc/passwd']) {
        const outcome = await authenticate({ headers: { cookie: `guest_logto_authtoken=${value}` } }, resolveOptions(guest()));
        assert.equal(outcome.newGuestId, true);
        assert.notEqual(outcome.auth?.guestId, value);
        assert.match(outcome.auth!.guestId!, UUID);
      }
    });

    test('returns a guest context for every authentication failure', async () => {
      const failing = [tamper(await token()), await token('ES384', { expiresIn: -1 }), await token('ES384', { aud: 'x' }), await token('ES384', { header: { typ: 'JWT' } }), 'garbage'];
      for (const t of failing) {
        const context = await verifyAuth({ headers: { authorization: `Bearer ${t}` } }, guest());
        assert.equal(context.isGuest, true);
      }
      assert.equal((await verifyAuth({ headers: { authorization: 'Bearer a b' } }, guest())).isGuest, true);
    });

    test('still answers 403 for a valid token without the scope', async () => {
      await assert.rejects(verifyAuth(await token(), guest({ requiredScope: 'admin' })), { code: 'SCOPE_MISSING', status: 403 });
    });

    test('still answers 503 for a token when the JWKS is unavailable', async () => {
      await assert.rejects(verifyAuth(await token(), guest({ jwksUri: 'http://127.0.0.1:9/oidc/jwks' })), { code: 'JWKS_UNAVAILABLE', status: 503 });
    });

    test('asks whether the request is https only for a new guest id, whose cookie it marks Secure', async () => {
      let asked = 0;
      const request = (headers: Record<string, string>) => ({
        headers,
        get secure() {
          asked++;
          return true;
        },
      });
      const id = '3f2b8c1e-9a4d-4e7b-8c2f-1d6a5b4c3e2f';
      const user = await authenticate(request({ authorization: `Bearer ${await token()}` }), resolveOptions(guest()));
      const known = await authenticate(request({ cookie: `guest_logto_authtoken=${id}` }), resolveOptions(guest()));
      const refused = await authenticate(request({}), resolveOptions(options()));
      assert.deepEqual([user.auth?.isAuthenticated, known.auth?.guestId, refused.error?.code, asked], [true, id, 'TOKEN_MISSING', 0]);
      const fresh = await authenticate(request({}), resolveOptions(guest()));
      assert.deepEqual([fresh.newGuestId, fresh.secure, asked], [true, true, 1]);
    });

    test('authenticates a valid token as the user, not as a guest', async () => {
      const context = await verifyAuth(await token(), guest());
      assert.equal(context.isAuthenticated, true);
      assert.equal(context.isGuest, undefined);
    });
  });
});

function unsigned(header: Record<string, unknown>): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${b64(header)}.${b64({ exp: Math.floor(Date.now() / 1000) + 600, aud: AUDIENCE })}.`;
}

function tamper(t: string): string {
  const [header, payload, signature] = t.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  claims.sub = 'admin';
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}
