// The outside review's fail-open scenario, over real HTTP with real Express:
// one shared `base` options object changed between two
// createExpressAuthMiddleware(base) calls must give each middleware the
// settings it had when it was made (admin vs read-only, guest on/off, audience),
// and a plain verifyAuth(req, options) must see a change to `options` at once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { createExpressAuthMiddleware } from '../../lib/adapters/express.ts';
import type { VerifyAuthOptions } from '../../lib/options.ts';
import { verifyAuth } from '../../lib/verify.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';
import { makeKey, mint, type TestKey } from '../helpers/keys.ts';

const API = 'https://api.example.test';
const OTHER_API = 'https://other-api.example.test';
let jwks: JwksServer;
let key: TestKey;
let app: LoopbackServer;
let base: VerifyAuthOptions & Record<string, unknown>;

before(async () => {
  key = await makeKey('ES256', 'mutation');
  jwks = await startJwksServer([key.publicJwk]);
  const api = express();
  const echo = (req: express.Request, res: express.Response) => res.json((req as unknown as { auth: unknown }).auth);
  // one object, changed between factory calls, as a config module shared by routes would be
  base = { logtoUrl: jwks.logtoUrl, audience: API, requiredScope: 'admin' };
  api.get('/admin', createExpressAuthMiddleware(base), echo);
  base.requiredScope = 'read:data';
  base.allowGuest = true;
  api.get('/read', createExpressAuthMiddleware(base), echo);
  base.audience = OTHER_API;
  base.allowGuest = false;
  base.requiredScope = undefined;
  api.get('/other', createExpressAuthMiddleware(base), echo);
  // and a change after the last factory call reaches none of them
  base.audience = 'https://nobody.example.test';
  base.allowGuest = true;
  app = await serveOnLoopback(api);
});
after(async () => {
  await app.close();
  await jwks.close();
});

const tokenFor = (scope: string, aud: string = API) => mint(key, { iss: jwks.issuer, aud, claims: { scope } });
const get = async (path: string, token?: string) => {
  const response = await fetch(app.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, body: await response.json() };
};

describe('middlewares made from one options object changed between factory calls', () => {
  test('the admin middleware answers 401 to a request without a token, not a guest context', async () => {
    const { status, body } = await get('/admin');
    assert.equal(status, 401);
    assert.equal(body.error, 'TOKEN_MISSING');
  });

  test('the admin middleware refuses a read-only token with 403 SCOPE_MISSING and accepts an admin one', async () => {
    const readOnly = await get('/admin', await tokenFor('read:data'));
    assert.equal(readOnly.status, 403);
    assert.equal(readOnly.body.error, 'SCOPE_MISSING');
    const admin = await get('/admin', await tokenFor('read:data admin'));
    assert.equal(admin.status, 200);
    assert.equal(admin.body.userId, 'user_123');
  });

  test('the admin middleware refuses a token for the API configured later', async () => {
    const { status, body } = await get('/admin', await tokenFor('admin', OTHER_API));
    assert.equal(status, 401);
    assert.equal(body.error, 'AUDIENCE_INVALID');
  });

  test('the read-only middleware keeps guest mode and its own scope', async () => {
    const guest = await get('/read');
    assert.equal(guest.status, 200);
    assert.equal(guest.body.isGuest, true);
    const reader = await get('/read', await tokenFor('read:data'));
    assert.equal(reader.status, 200);
    assert.equal(reader.body.isAuthenticated, true);
    // a token without read:data is a 403 even in guest mode: the user is known
    assert.equal((await get('/read', await tokenFor('admin'))).status, 403);
  });

  test('the middleware made for the other API accepts its tokens only, without guests', async () => {
    assert.equal((await get('/other', await tokenFor('', OTHER_API))).status, 200);
    assert.equal((await get('/other', await tokenFor('admin'))).body.error, 'AUDIENCE_INVALID');
    assert.equal((await get('/other')).status, 401);
  });
});

describe('verifyAuth with an options object changed between calls', () => {
  test('requires admin once requiredScope is set to admin', async () => {
    const options: VerifyAuthOptions = { logtoUrl: jwks.logtoUrl, audience: API };
    const request = { headers: { authorization: `Bearer ${await tokenFor('read:data')}` } };
    assert.equal((await verifyAuth(request, options)).isAuthenticated, true);
    options.requiredScope = 'admin';
    await assert.rejects(verifyAuth(request, options), { code: 'SCOPE_MISSING', status: 403 });
    await assert.rejects(verifyAuth(new Request('http://127.0.0.1/', request), options), { code: 'SCOPE_MISSING', status: 403 });
  });

  test('sees a change made in place to an array option', async () => {
    const options: VerifyAuthOptions & { requiredScope: string[] } = { logtoUrl: jwks.logtoUrl, audience: API, requiredScope: ['read:data'] };
    const request = { headers: { authorization: `Bearer ${await tokenFor('read:data')}` } };
    assert.equal((await verifyAuth(request, options)).isAuthenticated, true);
    options.requiredScope.push('admin');
    await assert.rejects(verifyAuth(request, options), { code: 'SCOPE_MISSING' });
  });

  test('stops returning guests once allowGuest is turned off', async () => {
    const options: VerifyAuthOptions = { logtoUrl: jwks.logtoUrl, audience: API, allowGuest: true };
    assert.equal((await verifyAuth({ headers: {} }, options)).isGuest, true);
    options.allowGuest = false;
    await assert.rejects(verifyAuth({ headers: {} }, options), { code: 'TOKEN_MISSING', status: 401 });
  });

  test('serves no token remembered under the old audience after the audience changes', async () => {
    const options: VerifyAuthOptions = { logtoUrl: jwks.logtoUrl, audience: API };
    const token = await tokenFor('read:data');
    // twice, so the token cache remembers it
    await verifyAuth(token, options);
    await verifyAuth(token, options);
    options.audience = OTHER_API;
    await assert.rejects(verifyAuth(token, options), { code: 'AUDIENCE_INVALID' });
  });
});
