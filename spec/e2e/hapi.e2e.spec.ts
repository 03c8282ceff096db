// A real Hapi 21 server on loopback, driven over HTTP with real access tokens
// from the embedded Logto-shaped issuer: what is Hapi's own (credentials with a
// scope list, route access.scope mapped to our 403, auth modes, the guest
// cookie on the route's response), and the docs' Hapi quick start run as
// written through the built package. The shared answers are in the conformance table.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import Hapi from '@hapi/hapi';
import { hapiLogtoAuth, hapiLogtoScheme, HAPI_SCHEME_NAME, type HapiCredentials } from '../../lib/adapters/hapi.ts';
import { DOCS_AUDIENCE, docsBlock, writeSnippet } from '../helpers/docs-snippet.ts';
import { startLogtoIssuer, type LogtoIssuer } from '../helpers/logto-issuer.ts';

let logto: LogtoIssuer;
let server: Hapi.Server;
let url: string;
const bearer = async (scope?: string) => ({ authorization: `Bearer ${await logto.getToken(scope === undefined ? {} : { scope })}` });

before(async () => {
  logto = await startLogtoIssuer({ audience: DOCS_AUDIENCE, scopes: ['read:data', 'write:data', 'admin:all'] });
  const base = { logtoUrl: logto.logtoUrl, audience: logto.audience };
  server = Hapi.server({ port: 0, host: '127.0.0.1' });
  server.auth.scheme(HAPI_SCHEME_NAME, hapiLogtoScheme);
  server.auth.strategy('logto', HAPI_SCHEME_NAME, base);
  server.auth.strategy('guest', HAPI_SCHEME_NAME, { ...base, allowGuest: true });
  server.auth.default('logto');
  const credentials = (request: Hapi.Request) => request.auth.credentials as unknown as HapiCredentials;
  server.route({ method: 'GET', path: '/me', handler: credentials });
  server.route({ method: 'GET', path: '/items/{scope}', options: { auth: { access: { scope: ['+read:data', '{params.scope}'] } } }, handler: () => 'allowed' });
  server.route({ method: 'GET', path: '/no-admin', options: { auth: { access: { scope: ['!admin:all'] } } }, handler: () => 'allowed' });
  server.route({ method: 'GET', path: '/try', options: { auth: { mode: 'try' } }, handler: (request) => ({ isAuthenticated: request.auth.isAuthenticated, code: (request.auth.error as { code?: string } | null)?.code ?? null }) });
  server.route({ method: 'GET', path: '/optional', options: { auth: { mode: 'optional' } }, handler: (request) => ({ isAuthenticated: request.auth.isAuthenticated }) });
  server.route({
    method: 'GET',
    path: '/guest',
    options: { auth: 'guest', state: { parse: false } },
    handler: (request, h) => h.response(credentials(request)).header('set-cookie', 'theme=dark; Path=/', { append: true }),
  });
  await server.start();
  url = server.info.uri;
});
after(async () => {
  await server?.stop({ timeout: 0 });
  await logto?.close();
});

describe('the logto scheme in a Hapi server', () => {
  test('puts the context on request.auth.credentials, with the granted scopes as a list', async () => {
    const response = await fetch(`${url}/me`, { headers: await bearer('read:data write:data') });
    assert.equal(response.status, 200);
    const credentials = await response.json();
    assert.deepEqual([credentials.userId, credentials.isAuthenticated, credentials.scope, credentials.payload.scope], [logto.clientId, true, ['read:data', 'write:data'], 'read:data write:data']);
  });

  test("answers a route's access.scope refusal as our 403 SCOPE_MISSING, with Hapi's {params} template expanded", async () => {
    const allowed = await fetch(`${url}/items/write:data`, { headers: await bearer('read:data write:data') });
    assert.equal(allowed.status, 200);
    const refused = await fetch(`${url}/items/admin:all`, { headers: await bearer('read:data write:data') });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await refused.json(), { error: 'SCOPE_MISSING', message: 'the token has none of the scopes admin:all' });
    assert.match(refused.headers.get('www-authenticate')!, /^Bearer error="insufficient_scope", error_description="[^"]+", scope="read:data admin:all"$/);
  });

  test('answers a forbidden scope the token has as a 403 SCOPE_MISSING that names no scope', async () => {
    const refused = await fetch(`${url}/no-admin`, { headers: await bearer('read:data admin:all') });
    assert.equal(refused.status, 403);
    assert.deepEqual(await refused.json(), { error: 'SCOPE_MISSING', message: 'the token has a scope this route refuses' });
    assert.equal((await fetch(`${url}/no-admin`, { headers: await bearer('read:data') })).status, 200);
  });

  test("lets a failure through in mode 'try', with the AuthError on request.auth.error", async () => {
    const response = await fetch(`${url}/try`, { headers: { authorization: 'Bearer abc.def' } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { isAuthenticated: false, code: 'TOKEN_MALFORMED' });
  });

  test("lets a request without a token through in mode 'optional', and still refuses a bad token", async () => {
    const missing = await fetch(`${url}/optional`);
    assert.equal(missing.status, 200);
    assert.deepEqual(await missing.json(), { isAuthenticated: false });
    const bad = await fetch(`${url}/optional`, { headers: { authorization: 'Bearer abc.def' } });
    assert.equal(bad.status, 401);
    assert.equal((await bad.json()).error, 'TOKEN_MALFORMED');
  });

  test("adds a new guest's cookie to the route's own response, beside its cookies", async () => {
    const response = await fetch(`${url}/guest`);
    const guest = await response.json();
    assert.equal(guest.isGuest, true);
    assert.deepEqual(response.headers.getSetCookie(), ['theme=dark; Path=/', `guest_logto_authtoken=${guest.guestId}; Path=/; HttpOnly; SameSite=Lax`]);
  });
});

describe("the docs' Hapi quick start", () => {
  let quickStart: Hapi.Server;
  let quickUrl: string;
  let remove: () => void;

  before(async () => {
    // the snippet's port 3000 becomes 0 (any free port) on loopback; nothing else changes
    const snippet = writeSnippet(docsBlock('frameworks/hapi.md').replace('{ port: 3000 }', "{ port: 0, host: '127.0.0.1' }"), logto.logtoUrl, 'hapi-quick-start', '\nexport { server };\n');
    remove = snippet.remove;
    quickStart = ((await import(pathToFileURL(snippet.file).href)) as { server: Hapi.Server }).server;
    await quickStart.start();
    quickUrl = quickStart.info.uri;
  });
  after(async () => {
    await quickStart?.stop({ timeout: 0 });
    remove?.();
  });

  test('runs as written: the user for a valid token, 401 without one, 403 on the scoped route, the public route open', async () => {
    const ok = await fetch(`${quickUrl}/api/me`, { headers: await bearer() });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { user: logto.clientId });
    const denied = await fetch(`${quickUrl}/api/me`);
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('www-authenticate'), 'Bearer');
    const scoped = await fetch(`${quickUrl}/api/items/1`, { method: 'DELETE', headers: await bearer('read:data') });
    assert.equal(scoped.status, 403);
    assert.match(scoped.headers.get('www-authenticate')!, /^Bearer error="insufficient_scope", error_description="[^"]+", scope="delete:items"$/);
    assert.equal((await fetch(`${quickUrl}/health`)).status, 200);
  });
});
