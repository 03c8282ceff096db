// createHonoAuthMiddleware inside a real Hono app, driven through app.request()
// (Hono's own in-process Fetch path), against a loopback JWKS.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hono, type Context } from 'hono';
import { createHonoAuthMiddleware, type AuthEnv } from '../../lib/adapters/hono.ts';
import { errorAnswer } from '../../lib/adapters/http-answer.ts';
import { AuthError } from '../../lib/errors.ts';
import type { VerifyAuthOptions } from '../../lib/options.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint, type TestKey } from '../helpers/keys.ts';

const AUDIENCE = 'https://api.example.test';
// RFC 9110 §10.2.3 delay-seconds; its value follows the JWKS backoff
const RETRY_AFTER = /^[1-9][0-9]*$/;
const GUEST_ID = '3f2b8c1e-6a4d-4e0f-9b7a-1c2d3e4f5a6b';
let jwks: JwksServer;
let key: TestKey;
let app: Hono<AuthEnv>;
let handled: number;

before(async () => {
  key = await makeKey('ES384');
  jwks = await startJwksServer([key.publicJwk]);
  const auth = (extra: Partial<VerifyAuthOptions> = {}) => createHonoAuthMiddleware({ logtoUrl: jwks.logtoUrl, audience: AUDIENCE, ...extra });
  app = new Hono<AuthEnv>();
  app.use('*', async (c, next) => {
    handled = 0;
    await next();
  });
  const echo = (c: Context<AuthEnv>) => {
    handled++;
    return c.json(c.get('auth'));
  };
  app.use('/me', auth());
  app.get('/me', (c) => {
    handled++;
    // c.var.auth and c.get('auth') are the same, typed AuthContext
    assert.equal(c.var.auth, c.get('auth'));
    return c.json(c.var.auth);
  });
  app.on(['OPTIONS', 'POST'], '/me', echo);
  app.get('/write', auth({ requiredScope: ['read:data', 'admin:all'] }), echo);
  app.get('/down', auth({ jwksUri: 'http://127.0.0.1:9/oidc/jwks' }), echo);
  app.get('/guest', auth({ allowGuest: true }), (c) => {
    c.header('set-cookie', 'other=1; Path=/', { append: true });
    return echo(c);
  });
  // a response whose headers are immutable: the middleware must still add its cookie
  app.get('/guest-redirect', auth({ allowGuest: true }), () => Response.redirect('http://localhost/home', 302));
});
after(() => jwks.close());

const token = (claims: Record<string, unknown> = {}, expiresIn?: number) => mint(key, { iss: jwks.issuer, aud: AUDIENCE, claims, expiresIn });
const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers });

/** The answer an adapter must send for `error`, as a comparable value. */
function expectedAnswer(error: AuthError) {
  const answer = errorAnswer(error);
  return { status: answer.status, headers: answer.headers, body: answer.body };
}

/** The status, the headers the HTTP answer sets, and the body text of `response`. */
async function answerOf(response: Response, names: string[]) {
  return { status: response.status, headers: Object.fromEntries(names.map((name) => [name, response.headers.get(name)])), body: await response.text() };
}

describe('createHonoAuthMiddleware', () => {
  test('sets c.var.auth for a valid Bearer token and calls the handler', async () => {
    const response = await get('/me', { authorization: `Bearer ${await token()}` });
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.userId, 'user_123');
    assert.equal(body.isAuthenticated, true);
    assert.equal(body.payload.aud, AUDIENCE);
    assert.equal(body.payload.scope, 'read:data write:data');
    assert.equal(handled, 1);
  });

  test('reads the token from the logto_authtoken cookie', async () => {
    const response = await get('/me', { cookie: `theme=dark; logto_authtoken=${await token()}` });
    assert.equal(response.status, 200);
    assert.equal((await response.json()).userId, 'user_123');
  });

  test('answers 401 TOKEN_MISSING with a bare Bearer challenge, the same answer as every adapter, without calling the handler', async () => {
    const response = await get('/me');
    const expected = expectedAnswer(new AuthError('TOKEN_MISSING', 'no access token in the cookie or the Authorization header'));
    assert.deepEqual(await answerOf(response, Object.keys(expected.headers)), expected);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    assert.equal(handled, 0);
  });

  test('answers 401 invalid_token for a tampered token, without echoing it', async () => {
    const [header, , signature] = (await token()).split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'admin', exp: 9999999999 })).toString('base64url')}.${signature}`;
    const response = await get('/me', { authorization: `Bearer ${forged}` });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate')!, /^Bearer error="invalid_token", error_description="[^"]+"$/);
    const text = await response.text();
    assert.equal(JSON.parse(text).error, 'SIGNATURE_INVALID');
    assert.ok(!text.includes(signature!));
    assert.equal(handled, 0);
  });

  test('answers 401 TOKEN_EXPIRED for an expired token', async () => {
    const response = await get('/me', { authorization: `Bearer ${await token({}, -10)}` });
    assert.equal(response.status, 401);
    assert.equal((await response.json()).error, 'TOKEN_EXPIRED');
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
    assert.match(response.headers.get('retry-after')!, RETRY_AFTER);
    assert.equal(response.headers.get('www-authenticate'), null);
    const text = await response.text();
    assert.equal(JSON.parse(text).error, 'JWKS_UNAVAILABLE');
    assert.ok(!text.includes('127.0.0.1'));
  });

  test('lets a CORS preflight through with an unauthenticated context', async () => {
    const response = await app.request('/me', { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { userId: null, isAuthenticated: false, payload: null });
  });

  test('does not treat an OPTIONS request without Access-Control-Request-Method as a preflight', async () => {
    const response = await app.request('/me', { method: 'OPTIONS' });
    assert.equal(response.status, 401);
    assert.equal(handled, 0);
  });
});

describe('createHonoAuthMiddleware in guest mode', () => {
  test('sets the guest cookie after the handler, beside the cookie the handler set, when it made a new id', async () => {
    const response = await get('/guest');
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.isGuest, true);
    assert.match(body.guestId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(response.headers.getSetCookie(), ['other=1; Path=/', `guest_logto_authtoken=${body.guestId}; Path=/; HttpOnly; SameSite=Lax`]);
  });

  test('keeps a returning guest id and sets no guest cookie', async () => {
    const response = await get('/guest', { cookie: `guest_logto_authtoken=${GUEST_ID}` });
    assert.deepEqual(await response.json(), { userId: null, isAuthenticated: false, payload: null, isGuest: true, guestId: GUEST_ID });
    assert.deepEqual(response.headers.getSetCookie(), ['other=1; Path=/']);
  });

  test('marks the guest cookie Secure when the request URL is https', async () => {
    const response = await app.request('https://api.example/guest');
    assert.match(response.headers.getSetCookie().at(-1)!, /^guest_logto_authtoken=[0-9a-f-]{36}; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
  });

  test('adds the guest cookie to a handler response whose headers are immutable', async () => {
    const response = await get('/guest-redirect');
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), 'http://localhost/home');
    assert.match(response.headers.getSetCookie()[0]!, /^guest_logto_authtoken=[0-9a-f-]{36}; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  test('guests a request with an expired token', async () => {
    const response = await get('/guest', { authorization: `Bearer ${await token({}, -10)}` });
    assert.equal((await response.json()).isGuest, true);
  });
});

describe('createHonoAuthMiddleware options', () => {
  test('throws a TypeError for bad options when it is created', () => {
    assert.throws(() => createHonoAuthMiddleware({ logtoUrl: 'nope', audience: AUDIENCE }), TypeError);
    assert.throws(() => createHonoAuthMiddleware({ logtoUrl: 'https://t.example' } as never), TypeError);
    assert.throws(() => createHonoAuthMiddleware({ logtoUrl: 'https://t.example', audience: [] }), TypeError);
  });

  test('reads the options once: a later change to the object does not reach the middleware', async () => {
    const options: VerifyAuthOptions = { logtoUrl: jwks.logtoUrl, audience: AUDIENCE };
    const local = new Hono<AuthEnv>();
    local.get('/me', createHonoAuthMiddleware(options), (c) => c.json(c.var.auth));
    options.audience = 'https://other.example';
    options.requiredScope = 'admin:all';
    const response = await local.request('/me', { headers: { authorization: `Bearer ${await token()}` } });
    assert.equal(response.status, 200);
    assert.equal((await response.json()).userId, 'user_123');
  });
});
