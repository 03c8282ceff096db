// The example Next 15 app (examples/next), built with `next build` and served by
// `next start` on 127.0.0.1, against loopback JWKS servers publishing ES384 keys
// (Logto's default). withAuth routes run in the Node runtime, the middleware
// (protectRequest) in the edge runtime; every request is real HTTP. The app is
// also type-checked under `strict: false`, the tsconfig `next build` writes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint, type TestKey } from '../helpers/keys.ts';
import { buildLibrary, buildNextApp, NEXT15_APP, startNextApp, typecheckNextApp, type NextBuild, type NextServer } from '../helpers/next-app.ts';

const AUDIENCE = 'https://api.example.com';
const BUILD_TIMEOUT_MS = 300_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let key: TestKey;
let jwks: JwksServer;
let outage: JwksServer;
let rotation: JwksServer;
let build: NextBuild | undefined;
let app: NextServer | undefined;

before(
  async () => {
    console.log(`next ${NEXT15_APP.version}`);
    key = await makeKey('ES384');
    jwks = await startJwksServer([key.publicJwk]);
    outage = await startJwksServer();
    outage.setHandler((req, res) => {
      res.statusCode = 500;
      res.end();
    });
    rotation = await startJwksServer();
    const env = {
      LOGTO_URL: jwks.logtoUrl,
      LOGTO_AUDIENCE: AUDIENCE,
      LOGTO_OUTAGE_URL: outage.logtoUrl,
      LOGTO_ROTATION_URL: rotation.logtoUrl,
    };
    await buildLibrary();
    build = await buildNextApp(NEXT15_APP, env);
    app = await startNextApp(build, env);
  },
  { timeout: BUILD_TIMEOUT_MS },
);

after(async () => {
  await app?.stop();
  build?.remove();
  await Promise.all([jwks?.close(), outage?.close(), rotation?.close()]);
});

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app!.origin}${path}`, { headers });
}

function token(claims: Record<string, unknown> = {}, expiresIn?: number): Promise<string> {
  return mint(key, { iss: jwks.issuer, aud: AUDIENCE, claims, ...(expiresIn === undefined ? {} : { expiresIn }) });
}

// same header and signature, another subject: the signature no longer matches
function tamper(jwt: string): string {
  const [header, payload, signature] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  return [header, Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url'), signature].join('.');
}

describe('withAuth route (Node runtime)', () => {
  test('answers 200 with the user id for a valid token in Authorization: Bearer', async () => {
    const response = await get('/api/profile', { authorization: `Bearer ${await token()}` });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { userId: 'user_123', scope: 'read:data write:data' });
  });

  test('answers 200 with the user id for a valid token in the logto_authtoken cookie', async () => {
    const response = await get('/api/profile', { cookie: `logto_authtoken=${await token()}` });
    assert.equal(response.status, 200);
    assert.equal((await response.json()).userId, 'user_123');
  });

  test('answers 401 TOKEN_MISSING with a bare Bearer challenge when no token is sent', async () => {
    const response = await get('/api/profile');
    assert.equal(response.status, 401);
    // RFC 6750 §3.1: no error attribute when the request carried no token
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    const body = await response.json();
    assert.equal(body.error, 'TOKEN_MISSING');
    assert.equal(typeof body.message, 'string');
  });

  test('answers 401 SIGNATURE_INVALID with error="invalid_token" for a tampered token', async () => {
    const response = await get('/api/profile', { authorization: `Bearer ${tamper(await token())}` });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate')!, /^Bearer error="invalid_token"/);
    assert.equal((await response.json()).error, 'SIGNATURE_INVALID');
  });

  test('answers 403 SCOPE_MISSING with error="insufficient_scope" and the required scope', async () => {
    const response = await get('/api/profile', { authorization: `Bearer ${await token({ scope: 'write:data' })}` });
    assert.equal(response.status, 403);
    const challenge = response.headers.get('www-authenticate')!;
    assert.match(challenge, /^Bearer error="insufficient_scope"/);
    assert.match(challenge, /scope="read:data"/);
    assert.equal((await response.json()).error, 'SCOPE_MISSING');
  });

  test('answers 401 TOKEN_EXPIRED for an expired token', async () => {
    const response = await get('/api/profile', { authorization: `Bearer ${await token({}, -60)}` });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate')!, /^Bearer error="invalid_token"/);
    assert.equal((await response.json()).error, 'TOKEN_EXPIRED');
  });
});

describe('withAuth route in guest mode', () => {
  test('makes a guest without a token and sets the guest cookie, without Secure over http', async () => {
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
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { isGuest: true, guestId: first.guestId, userId: null });
    assert.equal(response.headers.get('set-cookie'), null);
  });

  test('answers with the user for a valid token and sets no guest cookie', async () => {
    const response = await get('/api/guest', { authorization: `Bearer ${await token()}` });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { isGuest: false, guestId: null, userId: 'user_123' });
    assert.equal(response.headers.get('set-cookie'), null);
  });
});

describe('middleware.ts with protectRequest (edge runtime)', () => {
  test('is built as edge middleware', () => {
    const manifest = JSON.parse(readFileSync(join(build!.dir, '.next/server/middleware-manifest.json'), 'utf8'));
    assert.deepEqual(manifest.sortedMiddleware, ['/']);
    assert.equal(manifest.middleware['/'].name, 'middleware');
  });

  test('passes a valid token on to the route with the user id it verified, over the one the client sent', async () => {
    const response = await get('/api/edge/whoami', { authorization: `Bearer ${await token()}`, 'x-user-id': 'admin' });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { userId: 'user_123' });
  });

  test('answers 401 TOKEN_MISSING with a bare Bearer challenge, whatever user header the client claims', async () => {
    const response = await get('/api/edge/whoami', { 'x-user-id': 'admin' });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await response.json()).error, 'TOKEN_MISSING');
  });

  test('answers 401 AUDIENCE_INVALID with error="invalid_token" for a token meant for another API', async () => {
    const other = await mint(key, { iss: jwks.issuer, aud: 'https://other.example.com' });
    const response = await get('/api/edge/whoami', { authorization: `Bearer ${other}` });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate')!, /^Bearer error="invalid_token"/);
    assert.equal((await response.json()).error, 'AUDIENCE_INVALID');
  });

  test('answers exactly as withAuth does for the same failure', async () => {
    const tampered = tamper(await token({ scope: 'read:data' }));
    const [edge, node] = await Promise.all([get('/api/edge/whoami', { authorization: `Bearer ${tampered}` }), get('/api/profile', { authorization: `Bearer ${tampered}` })]);
    assert.equal(edge.status, node.status);
    for (const name of ['www-authenticate', 'content-type', 'cache-control']) assert.equal(edge.headers.get(name), node.headers.get(name), name);
    assert.deepEqual(await edge.json(), await node.json());
  });

  test('lets a CORS preflight through to the route unauthenticated', async () => {
    const response = await fetch(`${app!.origin}/api/edge/whoami`, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } });
    assert.equal(response.status, 204);
  });
});

describe('type-checking', () => {
  test('the app, written for strict mode, also type-checks under strict: false', { timeout: BUILD_TIMEOUT_MS }, async () => {
    await typecheckNextApp(build!, false);
  });
});

describe('JWKS outage', () => {
  test('answers 503 JWKS_UNAVAILABLE with Retry-After when the JWKS fails and nothing is cached', async () => {
    const jwt = await mint(key, { iss: outage.issuer, aud: AUDIENCE });
    const response = await get('/api/outage', { authorization: `Bearer ${jwt}` });
    assert.equal(response.status, 503);
    assert.ok(Number(response.headers.get('retry-after')) > 0);
    assert.equal((await response.json()).error, 'JWKS_UNAVAILABLE');
    assert.ok(outage.hits() >= 1, 'the JWKS server was asked');
  });
});

describe('JWKS rotation under Next data cache (fetchCache = default-cache)', () => {
  test('verifies a token signed with a key rotated in, refetching past the data cache', async () => {
    const keyA = await makeKey('ES384', 'key-a');
    const keyB = await makeKey('ES384', 'key-b');
    const signed = (signer: TestKey) => mint(signer, { iss: rotation.issuer, aud: AUDIENCE });
    rotation.setKeys([keyA.publicJwk]);

    const beforeRotation = await get('/api/rotation', { authorization: `Bearer ${await signed(keyA)}` });
    assert.equal(beforeRotation.status, 200);
    assert.equal(rotation.hits(), 1);

    // the control: in this segment a fetch naming no cache option is served from the data cache
    assert.deepEqual(await (await get('/api/rotation/probe')).json(), { kids: ['key-a'] });
    const hitsAfterProbe = rotation.hits();
    rotation.setKeys([keyB.publicJwk]);
    assert.deepEqual(await (await get('/api/rotation/probe')).json(), { kids: ['key-a'] });
    assert.equal(rotation.hits(), hitsAfterProbe, 'the probe was answered from the data cache');

    // the unknown kid refetches; with cache: 'no-store' it reaches the server
    const afterRotation = await get('/api/rotation', { authorization: `Bearer ${await signed(keyB)}` });
    assert.equal(rotation.hits(), hitsAfterProbe + 1);
    assert.equal(afterRotation.status, 200);
    assert.equal((await afterRotation.json()).userId, 'user_123');
  });
});
