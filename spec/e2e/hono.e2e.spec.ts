// A real Hono app on Node (@hono/node-server) on loopback, driven over HTTP with
// real access tokens from the embedded Logto-shaped issuer; failing answers are
// compared byte for byte with the Express middleware's. The README's Hono quick
// start is run as written, through the built package.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import express from 'express';
import { Hono } from 'hono';
import { createExpressAuthMiddleware } from '../../lib/adapters/express.ts';
import { createHonoAuthMiddleware, type AuthEnv } from '../../lib/adapters/hono.ts';
import type { VerifyAuthOptions } from '../../lib/options.ts';
import { serveHonoOnLoopback, type FetchApp } from '../helpers/hono.ts';
import { startLogtoIssuer, type LogtoIssuer } from '../helpers/logto-issuer.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// the README's placeholders; the issuer is started with this audience so only logtoUrl is swapped
const README_LOGTO_URL = 'https://your-tenant.logto.app';
const README_AUDIENCE = 'https://api.example.com';
const GUEST_ID = '7d0c2f4e-1b3a-4c5d-8e9f-0a1b2c3d4e5f';
// RFC 9110 §10.2.3 delay-seconds; its value follows the JWKS backoff, so only its form is fixed
const RETRY_AFTER = /^[1-9][0-9]*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The headers the one HTTP answer sets; each must be identical between adapters. */
const ANSWER_HEADERS = ['content-type', 'cache-control', 'www-authenticate', 'retry-after'];

let logto: LogtoIssuer;
let hono: LoopbackServer;
let expressApi: LoopbackServer;

/** The routes both apps mount, with the options each one's middleware gets. */
function routes(): Array<[path: string, options: VerifyAuthOptions]> {
  const base = { logtoUrl: logto.logtoUrl, audience: logto.audience };
  return [
    ['/me', { ...base, requiredScope: 'read:data' }],
    ['/admin', { ...base, requiredScope: ['read:data', 'admin:all'] }],
    ['/guest', { ...base, allowGuest: true }],
    ['/down', { ...base, jwksUri: 'http://127.0.0.1:9/oidc/jwks' }],
  ];
}

before(async () => {
  logto = await startLogtoIssuer({ audience: README_AUDIENCE, scopes: ['read:data', 'write:data', 'admin:all'] });
  const app = new Hono<AuthEnv>();
  const api = express();
  for (const [path, options] of routes()) {
    app.use(path, createHonoAuthMiddleware(options));
    app.on(['GET', 'POST', 'OPTIONS'], path, (c) => c.json(c.var.auth));
    api.all(path, createExpressAuthMiddleware(options), (req, res) => res.json((req as unknown as { auth: unknown }).auth));
  }
  hono = await serveHonoOnLoopback(app);
  expressApi = await serveOnLoopback(api);
});
after(async () => {
  await hono?.close();
  await expressApi?.close();
  await logto?.close();
});

const get = (path: string, headers: Record<string, string> = {}, base = hono.url) => fetch(base + path, { headers });
const bearer = async (scope?: string) => ({ authorization: `Bearer ${await logto.getToken(scope === undefined ? {} : { scope })}` });

describe('createHonoAuthMiddleware on @hono/node-server with real Logto tokens', () => {
  test('answers 200 with the verified context for a valid token', async () => {
    const response = await get('/me', await bearer());
    assert.equal(response.status, 200);
    const auth = await response.json();
    assert.equal(auth.isAuthenticated, true);
    assert.equal(auth.userId, logto.clientId);
    assert.equal(auth.payload.iss, logto.issuer);
    assert.equal(auth.payload.aud, logto.audience);
    assert.equal(auth.payload.scope, 'read:data write:data admin:all');
  });

  test('reads the token from the logto_authtoken cookie', async () => {
    const response = await get('/me', { cookie: `logto_authtoken=${await logto.getToken()}` });
    assert.equal(response.status, 200);
    assert.equal((await response.json()).userId, logto.clientId);
  });

  test('answers 401 TOKEN_MISSING with a bare Bearer challenge when no token is sent', async () => {
    const response = await get('/me');
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    assert.deepEqual(await response.json(), { error: 'TOKEN_MISSING', message: 'no access token in the cookie or the Authorization header' });
  });

  test('answers 401 invalid_token for a token whose payload was changed, without echoing it', async () => {
    const [header, payload, signature] = (await logto.getToken()).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const forged = [header, Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url'), signature].join('.');
    const response = await get('/me', { authorization: `Bearer ${forged}` });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate')!, /^Bearer error="invalid_token", error_description="[^"]+"$/);
    const text = await response.text();
    assert.equal(JSON.parse(text).error, 'SIGNATURE_INVALID');
    assert.ok(!text.includes(signature!));
  });

  test('answers 403 insufficient_scope for a token issued without a required scope', async () => {
    const response = await get('/admin', await bearer('read:data write:data'));
    assert.equal(response.status, 403);
    assert.equal((await response.json()).error, 'SCOPE_MISSING');
    assert.match(response.headers.get('www-authenticate')!, /^Bearer error="insufficient_scope", error_description="[^"]*", scope="read:data admin:all"$/);
  });

  test('answers 503 JWKS_UNAVAILABLE with Retry-After when the JWKS cannot be fetched', async () => {
    const response = await get('/down', await bearer());
    assert.equal(response.status, 503);
    assert.match(response.headers.get('retry-after')!, RETRY_AFTER);
    const text = await response.text();
    assert.equal(JSON.parse(text).error, 'JWKS_UNAVAILABLE');
    assert.ok(!text.includes('127.0.0.1'));
  });

  test('sets the exact guest cookie for a new guest, and none for a returning one', async () => {
    const first = await get('/guest');
    assert.equal(first.status, 200);
    const guest = await first.json();
    assert.equal(guest.isGuest, true);
    assert.match(guest.guestId, UUID);
    assert.deepEqual(first.headers.getSetCookie(), [`guest_logto_authtoken=${guest.guestId}; Path=/; HttpOnly; SameSite=Lax`]);
    const again = await get('/guest', { cookie: `guest_logto_authtoken=${GUEST_ID}` });
    assert.deepEqual(await again.json(), { userId: null, isAuthenticated: false, payload: null, isGuest: true, guestId: GUEST_ID });
    assert.deepEqual(again.headers.getSetCookie(), []);
  });

  test('lets a CORS preflight through unauthenticated', async () => {
    const response = await fetch(`${hono.url}/me`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { userId: null, isAuthenticated: false, payload: null });
  });
});

describe('Hono and Express answer a failing request alike', () => {
  const cases: Array<[name: string, path: string, headers: () => Promise<Record<string, string>>]> = [
    ['no token', '/me', async () => ({})],
    ['a token that is not a JWT', '/me', async () => ({ authorization: 'Bearer opaque-token' })],
    ['a missing scope', '/admin', () => bearer('read:data')],
    ['the JWKS down', '/down', () => bearer()],
  ];
  for (const [name, path, headers] of cases) {
    test(`sends the same status, body and headers for ${name}`, async () => {
      const sent = await headers();
      const [fromHono, fromExpress] = await Promise.all([get(path, sent), get(path, sent, expressApi.url)]);
      // Retry-After counts down the shared JWKS backoff, so two requests a moment apart may differ by a second
      const value = (response: Response, header: string) => (header === 'retry-after' ? RETRY_AFTER.test(response.headers.get(header) ?? '') : response.headers.get(header));
      const answer = async (response: Response) => ({
        status: response.status,
        headers: Object.fromEntries(ANSWER_HEADERS.map((header) => [header, value(response, header)])),
        body: await response.text(),
      });
      const honoAnswer = await answer(fromHono);
      assert.ok(honoAnswer.status >= 400, `${name} fails`);
      assert.deepEqual(honoAnswer, await answer(fromExpress));
    });
  }
});

describe("the README's Hono quick start", () => {
  let readmeApp: LoopbackServer;
  const file = join(ROOT, 'tmp', `hono-readme-${process.pid}.ts`);

  before(async () => {
    if (!existsSync(join(ROOT, 'dist', 'adapters', 'hono.js'))) execFileSync(process.execPath, ['build.mjs'], { cwd: ROOT, stdio: 'inherit' });
    const snippet = readmeSnippet('Hono');
    assert.ok(snippet.includes(README_LOGTO_URL) && snippet.includes("from 'logto-authkit/hono'"));
    // inside the project, so 'logto-authkit/hono' resolves through package.json "exports" to dist/
    mkdirSync(join(ROOT, 'tmp'), { recursive: true });
    writeFileSync(file, snippet.replace(README_LOGTO_URL, logto.logtoUrl));
    const { default: app } = (await import(pathToFileURL(file).href)) as { default: FetchApp };
    readmeApp = await serveHonoOnLoopback(app);
  });
  after(async () => {
    await readmeApp?.close();
    rmSync(file, { force: true });
  });

  test('runs as written: 200 with the user for a valid token, 401 without one', async () => {
    const ok = await get('/api/me', await bearer(), readmeApp.url);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { user: logto.clientId });
    const denied = await get('/api/me', {}, readmeApp.url);
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('www-authenticate'), 'Bearer');
  });
});

/** The first ```ts block under `## <section>` in README.md. */
function readmeSnippet(section: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${section}\n`);
  assert.notEqual(start, -1, `README.md has a "## ${section}" section`);
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  assert.ok(block, `the "## ${section}" section has a ts block`);
  return block[1]!;
}
