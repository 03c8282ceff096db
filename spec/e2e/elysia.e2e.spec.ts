// Elysia under Bun, as its own process, driven over HTTP with real access
// tokens from the embedded Logto-shaped issuer: the docs' Elysia quick start
// run as written (through the built package), public routes before the
// derive, and the guest cookie. The shared answers (every status, body and
// header) are in the conformance table.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBunApp, type BunAppProcess } from '../helpers/bun-app.ts';
import { DOCS_AUDIENCE, docsBlock, writeSnippet } from '../helpers/docs-snippet.ts';
import { startLogtoIssuer, type LogtoIssuer } from '../helpers/logto-issuer.ts';

let logto: LogtoIssuer;
let app: BunAppProcess;
let remove: () => void;
const bearer = async (scope?: string) => ({ authorization: `Bearer ${await logto.getToken(scope === undefined ? {} : { scope })}` });

before(async () => {
  logto = await startLogtoIssuer({ audience: DOCS_AUDIENCE, scopes: ['read:data', 'delete:items'] });
  // Bun runs the TypeScript as written; 'logto-authkit/elysia' resolves through package.json "exports" to dist/
  const snippet = writeSnippet(docsBlock('frameworks/elysia.md'), logto.logtoUrl, 'elysia-quick-start', '\nexport { app };\n');
  remove = snippet.remove;
  app = await startBunApp(new URL('./fixtures/elysia-quick-start.mjs', import.meta.url).pathname, { QUICK_START: snippet.file });
});
after(async () => {
  await app?.close();
  remove?.();
  await logto?.close();
});

describe("the docs' Elysia quick start on Bun", () => {
  test('answers the user for a valid token, 401 with the bare challenge without one', async () => {
    const ok = await fetch(`${app.urls.app}/api/me`, { headers: await bearer() });
    assert.deepEqual([ok.status, await ok.json()], [200, { user: logto.clientId }]);
    const denied = await fetch(`${app.urls.app}/api/me`);
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('www-authenticate'), 'Bearer');
    assert.equal(denied.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await denied.json(), { error: 'TOKEN_MISSING', message: 'no access token in the cookie or the Authorization header' });
  });

  test('leaves the route declared before the derive public', async () => {
    const health = await fetch(`${app.urls.app}/health`);
    assert.deepEqual([health.status, await health.json()], [200, { ok: true }]);
  });

  test('answers 403 insufficient_scope from the guard, and runs the route with the scope', async () => {
    const refused = await fetch(`${app.urls.app}/api/items/1`, { method: 'DELETE', headers: await bearer('read:data') });
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get('www-authenticate')!, /^Bearer error="insufficient_scope", error_description="[^"]+", scope="delete:items"$/);
    assert.deepEqual(await refused.json(), { error: 'SCOPE_MISSING', message: 'the token lacks the required scope delete:items' });
    const allowed = await fetch(`${app.urls.app}/api/items/1`, { method: 'DELETE', headers: await bearer('delete:items') });
    assert.equal(allowed.status, 204);
  });
});
