// A real Koa 3 app on loopback, driven over HTTP with real access tokens from
// the embedded Logto-shaped issuer: what is Koa's own (ctx.state, Koa's
// Set-Cookie append, ctx.secure under app.proxy, a guard without auth), and
// the docs' Koa quick start run as written through the built package. The
// shared answers (every status, body and header) are in the conformance table.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import Router from '@koa/router';
import Koa from 'koa';
import { createKoaAuthMiddleware, requireScopes, type AuthState } from '../../lib/adapters/koa.ts';
import { DOCS_AUDIENCE, docsBlock, writeSnippet } from '../helpers/docs-snippet.ts';
import { startLogtoIssuer, type LogtoIssuer } from '../helpers/logto-issuer.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';

let logto: LogtoIssuer;
let server: LoopbackServer;

before(async () => {
  logto = await startLogtoIssuer({ audience: DOCS_AUDIENCE, scopes: ['read:data', 'write:data', 'admin:all'] });
  const base = { logtoUrl: logto.logtoUrl, audience: logto.audience };
  const app = new Koa<AuthState>();
  app.proxy = true; // ctx.secure follows X-Forwarded-Proto
  app.use(async (ctx, next) => {
    ctx.append('set-cookie', 'theme=dark; Path=/');
    await next();
  });
  const router = new Router<AuthState>();
  router.get('/me', createKoaAuthMiddleware(base) as never, (ctx) => void (ctx.body = ctx.state.auth));
  router.get('/guest', createKoaAuthMiddleware({ ...base, allowGuest: true }) as never, (ctx) => void (ctx.body = ctx.state.auth));
  router.get('/unguarded-guard', requireScopes('admin:all') as never, (ctx) => void (ctx.body = 'reached'));
  app.use(router.routes());
  app.silent = true; // the guard's programming error is the expected 500, not noise
  server = await serveOnLoopback(app.callback());
});
after(async () => {
  await server?.close();
  await logto?.close();
});

describe('createKoaAuthMiddleware in a Koa app', () => {
  test('puts the verified context on ctx.state.auth', async () => {
    const response = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${await logto.getToken({ scope: 'read:data' })}` } });
    assert.equal(response.status, 200);
    const auth = await response.json();
    assert.deepEqual([auth.userId, auth.isAuthenticated, auth.payload.scope, auth.payload.iss], [logto.clientId, true, 'read:data', logto.issuer]);
  });

  test('answers a failure as JSON with the challenge and does not run the route, Koa keeping its own Set-Cookie', async () => {
    const response = await fetch(`${server.url}/me`, { headers: { authorization: 'Bearer abc.def' } });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.match(response.headers.get('www-authenticate')!, /^Bearer error="invalid_token", error_description="[^"]+"$/);
    assert.equal((await response.json()).error, 'TOKEN_MALFORMED');
    assert.deepEqual(response.headers.getSetCookie(), ['theme=dark; Path=/']);
  });

  test('appends the guest cookie beside another, Secure when ctx.secure is true behind a proxy', async () => {
    const plain = await fetch(`${server.url}/guest`);
    const guest = await plain.json();
    assert.equal(guest.isGuest, true);
    assert.deepEqual(plain.headers.getSetCookie(), ['theme=dark; Path=/', `guest_logto_authtoken=${guest.guestId}; Path=/; HttpOnly; SameSite=Lax`]);
    const proxied = await fetch(`${server.url}/guest`, { headers: { 'x-forwarded-proto': 'https' } });
    const id = (await proxied.json()).guestId;
    assert.deepEqual(proxied.headers.getSetCookie(), ['theme=dark; Path=/', `guest_logto_authtoken=${id}; Path=/; HttpOnly; SameSite=Lax; Secure`]);
  });

  test('a guard with no auth middleware before it is a 500, never a pass', async () => {
    const response = await fetch(`${server.url}/unguarded-guard`, { headers: { authorization: `Bearer ${await logto.getToken()}` } });
    assert.equal(response.status, 500);
    assert.notEqual(await response.text(), 'reached');
  });
});

describe("the docs' Koa quick start", () => {
  let quickStart: LoopbackServer;
  let remove: () => void;

  before(async () => {
    const snippet = writeSnippet(docsBlock('frameworks/koa.md'), logto.logtoUrl, 'koa-quick-start', '\nexport { app };\n');
    remove = snippet.remove;
    const { app } = (await import(pathToFileURL(snippet.file).href)) as { app: Koa };
    quickStart = await serveOnLoopback(app.callback());
  });
  after(async () => {
    await quickStart?.close();
    remove?.();
  });

  test('runs as written: the user for a valid token, 401 without one, 403 on the scoped route', async () => {
    const ok = await fetch(`${quickStart.url}/api/me`, { headers: { authorization: `Bearer ${await logto.getToken()}` } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { user: logto.clientId });
    const denied = await fetch(`${quickStart.url}/api/me`);
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('www-authenticate'), 'Bearer');
    const scoped = await fetch(`${quickStart.url}/api/items/1`, { method: 'DELETE', headers: { authorization: `Bearer ${await logto.getToken({ scope: 'read:data' })}` } });
    assert.equal(scoped.status, 403);
    assert.match(scoped.headers.get('www-authenticate')!, /^Bearer error="insufficient_scope", error_description="[^"]+", scope="delete:items"$/);
  });
});
