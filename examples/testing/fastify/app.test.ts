// node:test + Fastify's inject(): no listening server, no tenant, no socket for the JWKS.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createTestIssuer } from 'logto-authkit/testing';
import { createApp } from './app.ts';

const issuer = await createTestIssuer();
const app = createApp(issuer.options);
after(() => app.close());

test('a token with read:data gets 200 and the user', async () => {
  const token = await issuer.accessToken({ sub: 'alice', scope: 'read:data' });
  const response = await app.inject({ method: 'GET', url: '/api/data', headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json(), { userId: 'alice' });
});

test("another tenant's token gets 401 ISSUER_INVALID", async () => {
  const response = await app.inject({ method: 'GET', url: '/api/data', headers: { authorization: `Bearer ${await issuer.wrongIssuerToken({ scope: 'read:data' })}` } });
  assert.equal(response.statusCode, 401);
  assert.equal(response.json().error, 'ISSUER_INVALID');
});

test('a token without read:data gets 403 SCOPE_MISSING', async () => {
  const response = await app.inject({ method: 'GET', url: '/api/data', headers: { authorization: `Bearer ${await issuer.accessToken({ scope: 'write:data' })}` } });
  assert.equal(response.statusCode, 403);
  assert.equal(response.json().error, 'SCOPE_MISSING');
});
