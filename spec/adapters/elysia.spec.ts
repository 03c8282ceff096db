// The Elysia derive and guards without Elysia: what they check at creation,
// what they throw, return and write. Elysia on Bun over HTTP is in
// spec/e2e/elysia.e2e.spec.ts and the conformance table; the last test puts
// the derive into a real Elysia app, so `npm run typecheck` checks it against
// Elysia's own types (the README's quick start is written that way).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Elysia } from 'elysia';
import { elysiaLogtoAuth, logtoAuth, requireScopes, type ElysiaAppLike, type ElysiaContextLike } from '../../lib/adapters/elysia.ts';
import type { VerifyAuthOptions } from '../../lib/options.ts';

const OPTIONS: VerifyAuthOptions = { logtoUrl: 'https://tenant.logto.test', audience: 'https://api.example.test' };
const context = (url: string, init: RequestInit = {}, headers: ElysiaContextLike['set']['headers'] = {}): ElysiaContextLike => ({ request: new Request(url, init), set: { headers } });

describe('logtoAuth (Elysia derive)', () => {
  test('throws a TypeError at creation for bad options', () => {
    assert.throws(() => logtoAuth({ audience: 'x' } as VerifyAuthOptions), TypeError);
    assert.throws(() => elysiaLogtoAuth({ ...OPTIONS, audience: [] }), TypeError);
  });

  test('throws the JSON error Response with the challenge when no token is sent', async () => {
    let thrown: unknown;
    try {
      await logtoAuth(OPTIONS)(context('http://api.test/x'));
    } catch (error) {
      thrown = error;
    }
    assert.ok(thrown instanceof Response);
    assert.equal(thrown.status, 401);
    assert.deepEqual(Object.fromEntries(thrown.headers), { 'cache-control': 'no-store', 'www-authenticate': 'Bearer', 'content-type': 'application/json; charset=utf-8' });
    assert.deepEqual(await thrown.json(), { error: 'TOKEN_MISSING', message: 'no access token in the cookie or the Authorization header' });
  });

  test('derives a guest and adds its Secure cookie beside a cookie already set, on https', async () => {
    const headers: ElysiaContextLike['set']['headers'] = { 'set-cookie': 'theme=dark' };
    const { auth } = await logtoAuth({ ...OPTIONS, allowGuest: true })(context('https://api.test/x', {}, headers));
    assert.equal(auth.isGuest, true);
    assert.deepEqual(headers['set-cookie'], ['theme=dark', `guest_logto_authtoken=${auth.guestId}; Path=/; HttpOnly; SameSite=Lax; Secure`]);
  });

  test('derives an unauthenticated context for a CORS preflight', async () => {
    const derived = await logtoAuth(OPTIONS)(context('http://api.test/x', { method: 'OPTIONS', headers: { 'access-control-request-method': 'PUT' } }));
    assert.deepEqual(derived, { auth: { userId: null, isAuthenticated: false, payload: null } });
  });

  test('the plugin registers the derive as global on the app', () => {
    const calls: unknown[] = [];
    // Elysia's derive returns the app it was called on
    const app: ElysiaAppLike = {
      derive(options, handler) {
        calls.push(options, typeof handler);
        return this;
      },
    };
    assert.equal(elysiaLogtoAuth(OPTIONS)(app), app);
    assert.deepEqual(calls, [{ as: 'global' }, 'function']);
  });
});

describe('Elysia guards', () => {
  test('answer a guest 401 TOKEN_MISSING, and throw without a derived auth', async () => {
    const guest = { userId: null, isAuthenticated: false, payload: null, isGuest: true, guestId: '6e56d462-8f1b-4c7e-9a3d-2b5c1f0e9a77' };
    const answer = requireScopes('admin')({ request: new Request('http://api.test/x'), auth: guest });
    assert.equal(answer?.status, 401);
    assert.equal((await answer!.json()).error, 'TOKEN_MISSING');
    assert.throws(() => requireScopes('admin')({ request: new Request('http://api.test/x') }), /found no auth/);
  });
});

describe('Elysia guards and CORS preflights', () => {
  test('a guard answers a preflight 204 itself, so the guarded handler never runs unauthenticated', async () => {
    const preflight = new Request('http://api.test/x', { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
    const answer = requireScopes('admin')({ request: preflight, auth: { userId: null, isAuthenticated: false, payload: null } });
    assert.ok(answer instanceof Response);
    assert.equal(answer.status, 204);
    assert.equal(await answer.text(), '');
  });
});

describe('logtoAuth in a real Elysia app', () => {
  test("types against Elysia's context (header values are string | number) and answers through app.handle", async () => {
    const app = new Elysia()
      .onRequest(({ set }) => void (set.headers['x-request-started'] = 1))
      .derive(logtoAuth({ ...OPTIONS, allowGuest: true }))
      .get('/me', ({ auth }) => ({ guest: auth.isGuest ?? false, userId: auth.userId }));
    const response = await app.handle(new Request('http://api.test/me'));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { guest: true, userId: null });
    assert.match(response.headers.get('set-cookie') ?? '', /^guest_logto_authtoken=[0-9a-f-]{36}; Path=\/; HttpOnly; SameSite=Lax$/);
    const refused = await new Elysia().derive(logtoAuth(OPTIONS)).get('/me', ({ auth }) => auth.userId).handle(new Request('http://api.test/me'));
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer');
    assert.deepEqual(await refused.json(), { error: 'TOKEN_MISSING', message: 'no access token in the cookie or the Authorization header' });
  });
});
