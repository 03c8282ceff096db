// node:test: a signed User.Deleted delivery, shaped as Logto sends it, revokes that user's tokens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { createTestIssuer } from 'logto-authkit/testing';
import { createApp } from './app.ts';

const issuer = await createTestIssuer();
const app = createApp({ auth: issuer.options, signingKey: issuer.webhookSigningKey });

test("User.Deleted revokes the user's tokens: 200, then 401 TOKEN_REVOKED", async () => {
  const token = await issuer.accessToken({ sub: 'alice' });
  assert.equal((await request(app).get('/api/me').set('Authorization', `Bearer ${token}`)).status, 200);

  const delivery = await issuer.webhook('User.Deleted', { userId: 'alice' });
  const answer = await request(app).post('/webhooks/logto').set(delivery.headers).send(delivery.body);
  assert.equal(answer.status, 200);

  const after = await request(app).get('/api/me').set('Authorization', `Bearer ${token}`);
  assert.equal(after.status, 401);
  assert.equal(after.body.error, 'TOKEN_REVOKED');
});

test("another user's tokens keep working", async () => {
  const delivery = await issuer.webhook('User.Deleted', { userId: 'bob' });
  assert.equal((await request(app).post('/webhooks/logto').set(delivery.headers).send(delivery.body)).status, 200);
  const response = await request(app).get('/api/me').set('Authorization', `Bearer ${await issuer.accessToken({ sub: 'carol' })}`);
  assert.equal(response.status, 200);
});

test('a delivery with a wrong signature is refused with 401 and revokes nothing', async () => {
  const token = await issuer.accessToken({ sub: 'dave' });
  const delivery = await issuer.webhook('User.Deleted', { userId: 'dave' });
  const forged = await request(app).post('/webhooks/logto').set({ ...delivery.headers, 'logto-signature-sha-256': '0'.repeat(64) }).send(delivery.body);
  assert.equal(forged.status, 401);
  assert.equal((await request(app).get('/api/me').set('Authorization', `Bearer ${token}`)).status, 200);
});
