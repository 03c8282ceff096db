// A real Express app (4 and 5, with and without cookie-parser) on loopback,
// driven with real HTTP requests.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import cookieParser from 'cookie-parser';
import express5 from 'express';
import express4 from 'express4';
import { createExpressAuthMiddleware } from '../../lib/adapters/express.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';
import { makeKey, mint, type TestKey } from '../helpers/keys.ts';

const AUDIENCE = 'https://api.example.test';
let jwks: JwksServer;
let key: TestKey;

before(async () => {
  key = await makeKey('ES384');
  jwks = await startJwksServer([key.publicJwk]);
});
after(() => jwks.close());

const token = (claims: Record<string, unknown> = {}, expiresIn?: number) => mint(key, { iss: jwks.issuer, aud: AUDIENCE, claims, expiresIn });

type ExpressFactory = typeof express5;
const variants: Array<[string, ExpressFactory, boolean]> = [
  ['Express 5', express5, false],
  ['Express 5 with cookie-parser', express5, true],
  ['Express 4', express4 as unknown as ExpressFactory, false],
  ['Express 4 with cookie-parser', express4 as unknown as ExpressFactory, true],
];

for (const [name, express, withCookieParser] of variants) {
  describe(name, () => {
    let server: LoopbackServer;

    before(async () => {
      const app = express();
      app.set('trust proxy', 'loopback');
      if (withCookieParser) app.use(cookieParser());
      const auth = (extra: Record<string, unknown> = {}) => createExpressAuthMiddleware({ logtoUrl: jwks.logtoUrl, audience: AUDIENCE, ...extra });
      const echo = (req: express5.Request, res: express5.Response) => res.json((req as unknown as { auth: unknown }).auth);
      app.get('/me', auth(), echo);
      app.get('/write', auth({ requiredScope: ['read:data', 'admin:all'] }), echo);
      app.get('/guest', (_req, res, next) => {
        res.cookie('other', '1');
        next();
      }, auth({ allowGuest: true }), echo);
      app.get('/down', auth({ jwksUri: 'http://127.0.0.1:9/oidc/jwks' }), echo);
      server = await serveOnLoopback(app);
    });
    after(() => server.close());

    const get = (path: string, headers: Record<string, string> = {}) => fetch(server.url + path, { headers });

    test('sets req.auth and calls the route for a valid Bearer token', async () => {
      const response = await get('/me', { authorization: `Bearer ${await token()}` });
      assert.equal(response.status, 200);
      const body = await response.json();
      assert.equal(body.userId, 'user_123');
      assert.equal(body.isAuthenticated, true);
      assert.equal(body.payload.aud, AUDIENCE);
    });

    test('reads the token from the logto_authtoken cookie', async () => {
      const response = await get('/me', { cookie: `theme=dark; logto_authtoken=${await token()}` });
      assert.equal(response.status, 200);
      assert.equal((await response.json()).userId, 'user_123');
    });

    test('answers 401 TOKEN_MISSING with a bare Bearer challenge when no token is sent', async () => {
      const response = await get('/me');
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer');
      assert.match(response.headers.get('content-type')!, /^application\/json/);
      const body = await response.json();
      assert.deepEqual(Object.keys(body).sort(), ['error', 'message']);
      assert.equal(body.error, 'TOKEN_MISSING');
    });

    test('answers 401 invalid_token for a tampered token, without echoing it', async () => {
      const t = await token();
      const [h, , s] = t.split('.');
      const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'admin', exp: 9999999999 })).toString('base64url')}.${s}`;
      const response = await get('/me', { authorization: `Bearer ${forged}` });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate')!, /^Bearer error="invalid_token", error_description="[^"]+"$/);
      const text = await response.text();
      assert.equal(JSON.parse(text).error, 'SIGNATURE_INVALID');
      assert.ok(!text.includes(s!));
    });

    test('answers 401 TOKEN_EXPIRED for an expired token', async () => {
      const response = await get('/me', { authorization: `Bearer ${await token({}, -10)}` });
      assert.equal(response.status, 401);
      assert.equal((await response.json()).error, 'TOKEN_EXPIRED');
      assert.match(response.headers.get('www-authenticate')!, /error="invalid_token"/);
    });

    test('answers 403 insufficient_scope with the required scope', async () => {
      const response = await get('/write', { authorization: `Bearer ${await token()}` });
      assert.equal(response.status, 403);
      assert.equal((await response.json()).error, 'SCOPE_MISSING');
      assert.match(response.headers.get('www-authenticate')!, /^Bearer error="insufficient_scope", error_description="[^"]*", scope="read:data admin:all"$/);
    });

    test('answers 503 JWKS_UNAVAILABLE with Retry-After and no internal URL in the body', async () => {
      const response = await get('/down', { authorization: `Bearer ${await token()}` });
      assert.equal(response.status, 503);
      // the seconds left in the JWKS backoff (1 s after a first failure, jittered), never 0
      assert.match(response.headers.get('retry-after')!, /^[1-9]\d*$/);
      const text = await response.text();
      assert.equal(JSON.parse(text).error, 'JWKS_UNAVAILABLE');
      assert.ok(!text.includes('127.0.0.1'));
    });

    test('issues a guest cookie, beside the cookies other middleware set, only when a new id was made', async () => {
      const first = await get('/guest');
      assert.equal(first.status, 200);
      const body = await first.json();
      assert.equal(body.isGuest, true);
      const cookies = first.headers.getSetCookie();
      assert.equal(cookies.length, 2);
      assert.equal(cookies[0], 'other=1; Path=/');
      assert.equal(cookies[1], `guest_logto_authtoken=${body.guestId}; Path=/; HttpOnly; SameSite=Lax`);
      const again = await get('/guest', { cookie: `guest_logto_authtoken=${body.guestId}` });
      assert.equal((await again.json()).guestId, body.guestId);
      assert.deepEqual(again.headers.getSetCookie(), ['other=1; Path=/']);
    });

    test('marks the guest cookie Secure when the request is https (req.secure)', async () => {
      const response = await get('/guest', { 'x-forwarded-proto': 'https' });
      assert.match(response.headers.getSetCookie()[1]!, /; Secure$/);
    });

    test('still answers 403 in guest mode for a valid token, and guests a bad one', async () => {
      const app = await get('/guest', { authorization: `Bearer ${await token({}, -10)}` });
      assert.equal((await app.json()).isGuest, true);
    });

    test('survives malformed and hostile Cookie headers', async () => {
      const t = await token();
      const headers = [
        'logto_authtoken=%E0%A4%A',
        `logto_authtoken=j:${JSON.stringify({ a: 1 })}`,
        'logto_authtoken="unterminated',
        '=; ;;; = ; a',
        '__proto__=1; constructor=2; logto_authtoken=x',
        `logto_authtoken=${t}; logto_authtoken=garbage`,
        'a'.repeat(8000),
      ];
      const statuses = [];
      for (const cookie of headers) statuses.push((await get('/me', { cookie })).status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 200, 401]);
      assert.equal((await get('/me', { authorization: `Bearer ${t}` })).status, 200);
    });
  });
}

describe('createExpressAuthMiddleware on a bare node:http server', () => {
  test('sets req.auth on success and answers the JSON error itself on failure', async () => {
    const auth = createExpressAuthMiddleware({ logtoUrl: jwks.logtoUrl, audience: AUDIENCE, allowGuest: false });
    const server = await serveOnLoopback((req, res) => {
      auth(req, res, (error?: unknown) => {
        res.statusCode = error ? 500 : 200;
        res.end(JSON.stringify((req as { auth?: unknown }).auth ?? null));
      });
    });
    const base = server.url;
    try {
      const ok = await fetch(base, { headers: { cookie: `logto_authtoken=${await token()}` } });
      assert.equal(ok.status, 200);
      assert.equal((await ok.json()).userId, 'user_123');
      const denied = await fetch(base);
      assert.equal(denied.status, 401);
      assert.equal(denied.headers.get('www-authenticate'), 'Bearer');
      assert.deepEqual(await denied.json(), { error: 'TOKEN_MISSING', message: 'no access token in the cookie or the Authorization header' });
    } finally {
      await server.close();
    }
  });
});

describe('guest mode and cross-origin protection over HTTP', () => {
  test('answers a cross-site cookie POST whose Bearer token fails too with 403 CSRF_REJECTED, not as a guest', async () => {
    const app = express5();
    app.post('/comments', createExpressAuthMiddleware({ logtoUrl: jwks.logtoUrl, audience: AUDIENCE, allowGuest: true }), (req, res) => res.json((req as unknown as { auth: unknown }).auth));
    const server = await serveOnLoopback(app);
    try {
      const response = await fetch(`${server.url}/comments`, {
        method: 'POST',
        headers: { cookie: `logto_authtoken=${await token()}`, authorization: `Bearer ${await token({}, -60)}`, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      });
      assert.equal(response.status, 403);
      assert.equal(response.headers.get('set-cookie'), null);
      assert.match(response.headers.get('www-authenticate')!, /^Bearer error="insufficient_scope", error_description="[^"]*Sec-Fetch-Site[^"]*"$/);
      assert.equal((await response.json()).error, 'CSRF_REJECTED');
    } finally {
      await server.close();
    }
  });
});

describe('createExpressAuthMiddleware', () => {
  test('throws a TypeError for bad options when it is created', () => {
    assert.throws(() => createExpressAuthMiddleware({ logtoUrl: 'nope', audience: AUDIENCE }), TypeError);
    assert.throws(() => createExpressAuthMiddleware({ logtoUrl: 'https://t.example' } as never), TypeError);
  });
});
