// lib/adapters/next.ts in-process, over Fetch Requests, against a loopback JWKS:
// protectRequest (the proxy helper) and what verifyNextAuth says about guest ids.
// The built apps on Next 15 and 16 are driven over HTTP in spec/e2e/next*.e2e.spec.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { protectRequest, verifyNextAuth, withAuth } from '../../lib/adapters/next.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint, type TestKey } from '../helpers/keys.ts';

const AUDIENCE = 'https://api.example.com';
const GUEST_ID = '6f1c2a4e-8b3d-4c5e-9f70-1a2b3c4d5e6f';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let key: TestKey;
let jwks: JwksServer;
let options: { logtoUrl: string; audience: string; requiredScope: string };
let guestOptions: typeof options & { allowGuest: true };

before(async () => {
  key = await makeKey('ES384');
  jwks = await startJwksServer([key.publicJwk]);
  options = { logtoUrl: jwks.logtoUrl, audience: AUDIENCE, requiredScope: 'read:data' };
  guestOptions = { ...options, allowGuest: true };
});
after(() => jwks.close());

const request = (url: string, headers: Record<string, string> = {}, method = 'GET') => new Request(url, { method, headers });
const token = (claims: Record<string, unknown> = {}) => mint(key, { iss: jwks.issuer, aud: AUDIENCE, claims });
const next = () => new Response(null, { headers: { 'x-middleware-next': '1' } });

describe('protectRequest', () => {
  test('resolves to undefined for an allowed request when no onAllowed is given', async () => {
    assert.equal(await protectRequest(request('http://app.test/api', { authorization: `Bearer ${await token()}` }), options), undefined);
  });

  test('resolves to what onAllowed returns, which gets the verified context', async () => {
    const seen: unknown[] = [];
    const response = await protectRequest(request('http://app.test/api', { authorization: `Bearer ${await token()}` }), options, (auth) => {
      seen.push(auth.userId, auth.isAuthenticated);
      return next();
    });
    assert.deepEqual(seen, ['user_123', true]);
    assert.equal(response!.headers.get('x-middleware-next'), '1');
    assert.equal(response!.headers.get('set-cookie'), null);
  });

  test('answers a failure with the same status, body and headers as withAuth, without calling onAllowed', async () => {
    const headers = { authorization: `Bearer ${await token({ scope: 'write:data' })}` };
    let calls = 0;
    const proxied = (await protectRequest(request('http://app.test/api', headers), options, () => (calls++, next())))!;
    const wrapped = await withAuth(() => Response.json({}), options)(request('http://app.test/api', headers), {});
    assert.equal(calls, 0);
    assert.equal(proxied.status, 403);
    assert.equal(proxied.status, wrapped.status);
    assert.deepEqual([...proxied.headers], [...wrapped.headers]);
    assert.equal(await proxied.text(), await wrapped.text());
  });

  test('appends the guest Set-Cookie to the onAllowed response when it makes a new guest id, with Secure on https', async () => {
    let guestId: string | undefined;
    const response = (await protectRequest(request('https://app.test/api'), guestOptions, (auth) => ((guestId = auth.guestId), next())))!;
    assert.match(guestId!, UUID);
    assert.equal(response.headers.get('set-cookie'), `guest_logto_authtoken=${guestId}; Path=/; HttpOnly; SameSite=Lax; Secure`);
    assert.equal(response.headers.get('x-middleware-next'), '1');
  });

  test('sets no cookie for a returning guest', async () => {
    const response = (await protectRequest(request('http://app.test/api', { cookie: `guest_logto_authtoken=${GUEST_ID}` }), guestOptions, next))!;
    assert.equal(response.headers.get('set-cookie'), null);
  });

  test('copies an onAllowed response whose headers are immutable to add the cookie', async () => {
    const response = (await protectRequest(request('http://app.test/api'), guestOptions, () => Response.redirect('http://app.test/welcome', 307)))!;
    assert.equal(response.status, 307);
    assert.equal(response.headers.get('location'), 'http://app.test/welcome');
    assert.match(response.headers.get('set-cookie')!, /^guest_logto_authtoken=[0-9a-f-]{36}; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  test('lets a CORS preflight through to onAllowed with an unauthenticated context', async () => {
    const preflight = request('http://app.test/api', { origin: 'https://web.test', 'access-control-request-method': 'POST' }, 'OPTIONS');
    let context: unknown;
    const response = await protectRequest(preflight, options, (auth) => ((context = auth), next()));
    assert.equal(response!.headers.get('x-middleware-next'), '1');
    assert.deepEqual(context, { userId: null, isAuthenticated: false, payload: null });
    assert.equal(await protectRequest(preflight, options), undefined);
  });

  test('authenticates an OPTIONS request without Access-Control-Request-Method', async () => {
    const response = await protectRequest(request('http://app.test/api', {}, 'OPTIONS'), options, next);
    assert.equal(response!.status, 401);
  });

  test('rejects bad options with a TypeError', async () => {
    await assert.rejects(protectRequest(request('http://app.test/api'), { logtoUrl: '', audience: AUDIENCE }), TypeError);
  });
});

describe('verifyNextAuth', () => {
  test('says a new guest id is new and hands over its Set-Cookie value', async () => {
    const result = await verifyNextAuth(request('http://app.test/api'), guestOptions);
    assert.equal(result.success, true);
    assert.equal(result.newGuestId, true);
    assert.match(result.auth!.guestId!, UUID);
    assert.equal(result.setCookie, `guest_logto_authtoken=${result.auth!.guestId}; Path=/; HttpOnly; SameSite=Lax`);
  });

  test('says a returning guest id is not new, with no cookie to set', async () => {
    const result = await verifyNextAuth(request('http://app.test/api', { cookie: `guest_logto_authtoken=${GUEST_ID}` }), guestOptions);
    assert.deepEqual({ ...result }, { success: true, auth: { userId: null, isAuthenticated: false, payload: null, isGuest: true, guestId: GUEST_ID }, newGuestId: false, setCookie: undefined });
  });

  test('gives a user no guest cookie', async () => {
    const result = await verifyNextAuth(request('http://app.test/api', { authorization: `Bearer ${await token()}` }), options);
    assert.equal(result.success, true);
    assert.equal(result.auth!.userId, 'user_123');
    assert.equal(result.newGuestId, false);
    assert.equal(result.setCookie, undefined);
  });

  test('keeps the failure shape of the contract', async () => {
    const result = await verifyNextAuth(request('http://app.test/api'), options);
    assert.deepEqual(Object.keys(result).sort(), ['code', 'error', 'status', 'success']);
    assert.equal(result.code, 'TOKEN_MISSING');
    assert.equal(result.status, 401);
  });
});
