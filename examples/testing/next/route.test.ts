// node:test + a Next route handler called directly with a Fetch Request. The route reads
// LOGTO_URL from the environment, so the issuer runs on a loopback server (127.0.0.1).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { serveIssuer, type IssuerServer } from 'logto-authkit/testing';

let server: IssuerServer;
let GET: (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

before(async () => {
  server = await serveIssuer(http);
  process.env.LOGTO_URL = server.logtoUrl;
  process.env.LOGTO_AUDIENCE = server.issuer.audience;
  ({ GET } = await import('./app/api/data/route.ts'));
});
after(() => server.close());

const call = (token?: string) => GET(new Request('http://localhost/api/data', { headers: token ? { authorization: `Bearer ${token}` } : {} }), { params: Promise.resolve({}) });

test('a token with read:data gets 200 and the user', async () => {
  const response = await call(await server.issuer.accessToken({ sub: 'alice', scope: 'read:data' }));
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { userId: 'alice' });
});

test('an ID token is no access token: 401', async () => {
  const response = await call(await server.issuer.idToken());
  assert.equal(response.status, 401);
});

test('a token without read:data gets 403 SCOPE_MISSING', async () => {
  const response = await call(await server.issuer.accessToken({ scope: 'profile' }));
  assert.equal(response.status, 403);
  assert.equal((await response.json()).error, 'SCOPE_MISSING');
});
