// The example Next 16 app (examples/next16), built with `next build` (Turbopack)
// and served by `next start` on 127.0.0.1, against the Logto-shaped
// node-oidc-provider issuer: every token is a real one from its token endpoint,
// every request real HTTP. Route handlers use withAuth and verifyNextAuth;
// proxy.ts (Node runtime) uses protectRequest. The app's tsconfig is the
// non-strict one `next build` writes; it is also type-checked under strict, and
// every Next.js snippet of the README and of docs/frameworks/next.md must be in
// one of the two example apps.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { createExpressAuthMiddleware } from '../../lib/adapters/express.ts';
import { startLogtoIssuer, type LogtoIssuer } from '../helpers/logto-issuer.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';
import { buildLibrary, buildNextApp, NEXT15_APP, NEXT16_APP, ROOT, startNextApp, typecheckNextApp, type NextBuild, type NextServer } from '../helpers/next-app.ts';

const BUILD_TIMEOUT_MS = 300_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Headers every adapter sends with an error, compared across them. */
const ERROR_HEADERS = ['www-authenticate', 'content-type', 'cache-control'];

let logto: LogtoIssuer;
let build: NextBuild | undefined;
let app: NextServer | undefined;
let expressApp: LoopbackServer | undefined;

before(
  async () => {
    console.log(`next ${NEXT16_APP.version}`);
    logto = await startLogtoIssuer();
    const env = { LOGTO_URL: logto.logtoUrl, LOGTO_AUDIENCE: logto.audience };
    // the same options as the app's profile route and proxy, in Express, for comparing answers
    const api = express();
    api.get('/api/profile', createExpressAuthMiddleware({ logtoUrl: logto.logtoUrl, audience: logto.audience, requiredScope: 'read:data' }), (req, res) => res.json({}));
    expressApp = await serveOnLoopback(api);
    await buildLibrary();
    build = await buildNextApp(NEXT16_APP, env);
    app = await startNextApp(build, env);
  },
  { timeout: BUILD_TIMEOUT_MS },
);

after(async () => {
  await app?.stop();
  build?.remove();
  await expressApp?.close();
  await logto?.close();
});

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app!.origin}${path}`, { headers });
}

const bearer = async (opts?: { scope?: string }) => ({ authorization: `Bearer ${await logto.getToken(opts)}` });

// same header and signature, another subject: the signature no longer matches
function tamper(jwt: string): string {
  const [header, payload, signature] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  return [header, Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url'), signature].join('.');
}

async function assertSameAnswer(actual: Response, expected: Response): Promise<void> {
  assert.equal(actual.status, expected.status);
  for (const name of ERROR_HEADERS) assert.equal(actual.headers.get(name), expected.headers.get(name), name);
  assert.deepEqual(await actual.json(), await expected.json());
}

// the assertions every protected path shares, for withAuth and for proxy.ts alike
function protectedPathCases(path: string, expectedBody: () => unknown): void {
  test('answers 200 for a real access token with the read:data scope', async () => {
    const response = await get(path, await bearer());
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), expectedBody());
  });

  test('answers 401 TOKEN_MISSING with a bare Bearer challenge when no token is sent', async () => {
    const response = await get(path);
    assert.equal(response.status, 401);
    // RFC 6750 §3.1: no error attribute when the request carried no token
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    const body = await response.json();
    assert.equal(body.error, 'TOKEN_MISSING');
    assert.equal(typeof body.message, 'string');
  });

  test('answers 401 SIGNATURE_INVALID with error="invalid_token" for a tampered real token', async () => {
    const response = await get(path, { authorization: `Bearer ${tamper(await logto.getToken())}` });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate')!, /^Bearer error="invalid_token"/);
    assert.equal((await response.json()).error, 'SIGNATURE_INVALID');
  });

  test('answers 403 SCOPE_MISSING with error="insufficient_scope" and scope="read:data" for a token without it', async () => {
    const response = await get(path, await bearer({ scope: 'write:data' }));
    assert.equal(response.status, 403);
    const challenge = response.headers.get('www-authenticate')!;
    assert.match(challenge, /^Bearer error="insufficient_scope"/);
    assert.match(challenge, /scope="read:data"/);
    assert.equal((await response.json()).error, 'SCOPE_MISSING');
  });

  test('answers a missing scope with the same status, JSON body and headers as the Express middleware', async () => {
    const headers = await bearer({ scope: 'write:data' });
    const [next, viaExpress] = await Promise.all([get(path, headers), fetch(`${expressApp!.url}/api/profile`, { headers })]);
    await assertSameAnswer(next, viaExpress);
  });
}

describe('route handler with withAuth (Node runtime)', () => {
  protectedPathCases('/api/profile', () => ({ userId: logto.clientId, scope: 'read:data write:data', path: '/api/profile' }));
});

describe('proxy.ts with protectRequest (Node runtime)', () => {
  test('is built as a Node proxy, not edge middleware', () => {
    const functions = JSON.parse(readFileSync(join(build!.dir, '.next/server/functions-config-manifest.json'), 'utf8'));
    assert.equal(functions.functions['/_middleware']?.runtime, 'nodejs');
  });

  protectedPathCases('/api/private/status', () => ({ area: 'private' }));

  test('answers a failure exactly as withAuth does', async () => {
    const headers = { authorization: `Bearer ${tamper(await logto.getToken())}` };
    const [proxied, wrapped] = await Promise.all([get('/api/private/status', headers), get('/api/profile', headers)]);
    await assertSameAnswer(proxied, wrapped);
  });

  test('lets a CORS preflight through to the route unauthenticated', async () => {
    const response = await fetch(`${app!.origin}/api/private/status`, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } });
    assert.equal(response.status, 204);
  });

  test('still authenticates an OPTIONS request that is not a preflight', async () => {
    const response = await fetch(`${app!.origin}/api/private/status`, { method: 'OPTIONS' });
    assert.equal(response.status, 401);
  });
});

describe('proxy.ts in guest mode', () => {
  test('lets a visitor without a token through and sets the guest cookie, without Secure over http', async () => {
    const response = await get('/api/public/status');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { area: 'public' });
    const cookie = response.headers.get('set-cookie')!;
    assert.match(cookie, /^guest_logto_authtoken=([0-9a-f-]{36}); Path=\/; HttpOnly; SameSite=Lax$/);
    assert.match(cookie.slice('guest_logto_authtoken='.length, cookie.indexOf(';')), UUID);
  });

  test('sets no cookie for a returning guest', async () => {
    const first = (await get('/api/public/status')).headers.get('set-cookie')!;
    const response = await get('/api/public/status', { cookie: first.slice(0, first.indexOf(';')) });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('set-cookie'), null);
  });

  test('still answers 403 SCOPE_MISSING for a known user without the scope', async () => {
    const response = await get('/api/public/status', await bearer({ scope: 'write:data' }));
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('set-cookie'), null);
  });
});

describe('route handler with withAuth in guest mode', () => {
  test('makes a guest without a token and sets the guest cookie per the contract', async () => {
    const response = await get('/api/guest');
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.isGuest, true);
    assert.equal(body.userId, null);
    assert.match(body.guestId, UUID);
    assert.equal(response.headers.get('set-cookie'), `guest_logto_authtoken=${body.guestId}; Path=/; HttpOnly; SameSite=Lax`);
  });

  test('keeps the guest id from the cookie sent back and sets no cookie', async () => {
    const first = await (await get('/api/guest')).json();
    const response = await get('/api/guest', { cookie: `guest_logto_authtoken=${first.guestId}` });
    assert.deepEqual(await response.json(), { isGuest: true, guestId: first.guestId, userId: null });
    assert.equal(response.headers.get('set-cookie'), null);
  });

  test('answers with the user for a real token and sets no guest cookie', async () => {
    const response = await get('/api/guest', await bearer());
    assert.deepEqual(await response.json(), { isGuest: false, guestId: null, userId: logto.clientId });
    assert.equal(response.headers.get('set-cookie'), null);
  });
});

describe('route handler with verifyNextAuth (the README snippet)', () => {
  test('says a guest id is new and hands over its Set-Cookie value', async () => {
    const response = await get('/api/session');
    const body = await response.json();
    assert.equal(body.newGuestId, true);
    assert.match(body.guestId, UUID);
    assert.equal(response.headers.get('set-cookie'), `guest_logto_authtoken=${body.guestId}; Path=/; HttpOnly; SameSite=Lax`);
  });

  test('says a returning guest id is not new, and no cookie is sent', async () => {
    const first = await (await get('/api/session')).json();
    const response = await get('/api/session', { cookie: `guest_logto_authtoken=${first.guestId}` });
    assert.deepEqual(await response.json(), { userId: null, guestId: first.guestId, newGuestId: false });
    assert.equal(response.headers.get('set-cookie'), null);
  });

  test('answers the user of a real token', async () => {
    const response = await get('/api/session', await bearer());
    assert.deepEqual(await response.json(), { userId: logto.clientId, guestId: null, newGuestId: false });
  });
});

describe('type-checking', () => {
  test('the app, built under the non-strict tsconfig next build writes, also type-checks under strict', { timeout: BUILD_TIMEOUT_MS }, async () => {
    await typecheckNextApp(build!, true);
  });
});

// The README's Next.js quick start and the Next.js guide (docs/frameworks/next.md)
describe('README Next.js section and the Next.js guide', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Next.js'), readme.indexOf('\n## ', readme.indexOf('\n## Next.js') + 1));
  const guide = readFileSync(join(ROOT, 'docs', 'frameworks', 'next.md'), 'utf8');
  // each ```ts block opens with `// <file> (Next 16...)` or `// <file> (Next 15...)`, naming the example it is copied from
  const snippetsOf = (text: string) => [...text.matchAll(/```ts\n(\/\/ (\S+) \(Next (15|16)[^\n]*\n[\s\S]*?)```/g)];
  const pages = [
    { name: 'README.md', text: section, snippets: snippetsOf(section) },
    { name: 'docs/frameworks/next.md', text: guide, snippets: snippetsOf(guide) },
  ];

  test('every ts block names its example file and Next major; the guide has proxy.ts, route handlers and Next 15 middleware.ts', () => {
    for (const page of pages) assert.equal(page.snippets.length, [...page.text.matchAll(/```ts\n/g)].length, `${page.name}: every ts block names its example file and Next major`);
    assert.ok(pages[0]!.snippets.length >= 1, 'the README has a Next.js quick start');
    assert.deepEqual(pages[1]!.snippets.map((match) => match[2]).sort(), ['app/api/profile/route.ts', 'app/api/session/route.ts', 'middleware.ts', 'proxy.ts']);
  });

  test('has every snippet verbatim in the example app it names, which the e2e specs build', () => {
    for (const page of pages) {
      for (const [, snippet, file, major] of page.snippets) {
        const example = readFileSync(join(major === '16' ? NEXT16_APP.dir : NEXT15_APP.dir, file!), 'utf8');
        assert.ok(example.startsWith(snippet!), `${file} (Next ${major}) starts with the ${page.name} snippet`);
      }
    }
  });

  test('the README section links no file the npm tarball leaves out', () => {
    assert.doesNotMatch(section, /\]\((?!https?:)[^)]*\)/);
  });
});
