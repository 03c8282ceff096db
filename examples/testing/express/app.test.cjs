// Jest + supertest: real tokens from an in-process issuer, no tenant, no socket for the JWKS.
const request = require('supertest');
const { createTestIssuer } = require('logto-authkit/testing');
const { createApp } = require('./app.cjs');

/** @type {import('logto-authkit/testing').TestIssuer} */
let issuer;
/** @type {import('express').Express} */
let app;
beforeAll(async () => {
  issuer = await createTestIssuer();
  // { logtoUrl, audience, fetch }: discovery and JWKS come from the issuer, in memory
  app = createApp(issuer.options);
});

test('a token with read:data gets 200 and the user', async () => {
  const token = await issuer.accessToken({ sub: 'alice', scope: 'read:data' });
  const response = await request(app).get('/api/data').set('Authorization', `Bearer ${token}`);
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ userId: 'alice' });
});

test('no token gets 401 TOKEN_MISSING', async () => {
  const response = await request(app).get('/api/data');
  expect(response.status).toBe(401);
  expect(response.body.error).toBe('TOKEN_MISSING');
});

test('an expired token gets 401 TOKEN_EXPIRED', async () => {
  const response = await request(app).get('/api/data').set('Authorization', `Bearer ${await issuer.expiredToken({ scope: 'read:data' })}`);
  expect(response.status).toBe(401);
  expect(response.body.error).toBe('TOKEN_EXPIRED');
});

test('a token without read:data gets 403 SCOPE_MISSING', async () => {
  const response = await request(app).get('/api/data').set('Authorization', `Bearer ${await issuer.accessToken({ scope: 'write:data' })}`);
  expect(response.status).toBe(403);
  expect(response.body.error).toBe('SCOPE_MISSING');
  expect(response.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
});
