import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { getRequestListener } from '@hono/node-server';
import { createLogtoWebhookHandler, createNodeLogtoWebhookHandler } from '../../lib/adapters/revocation-handlers.ts';
import { handleLogtoWebhook, revocationsFor, verifyLogtoSignature, type LogtoWebhookEvent, type LogtoWebhookOptions } from '../../lib/revocation/logto-webhook.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';

const SIGNING_KEY = 'whsec_test_0123456789abcdef';
// Logto signs JSON.stringify(payload) with the hook's signing key: hex HMAC-SHA-256
const sign = (body: string, key = SIGNING_KEY) => createHmac('sha256', key).update(body).digest('hex');
const bytes = (text: string) => new TextEncoder().encode(text);

// shaped like Logto's data-mutation deliveries
function delivery(event: string, extra: Partial<LogtoWebhookEvent> = {}): string {
  return JSON.stringify({ hookId: 'hook_1', event, createdAt: new Date().toISOString(), userAgent: 'Logto (https://logto.io/)', ip: '127.0.0.1', path: '/api/x', method: 'PATCH', status: 200, ...extra });
}

function recorder() {
  const calls: string[] = [];
  return {
    calls,
    target: {
      revokeUser: (sub: string) => void calls.push(`user:${sub}`),
      revokeAll: () => void calls.push('all'),
    },
  };
}

describe('verifyLogtoSignature', () => {
  test('accepts the HMAC-SHA-256 of the raw body under the signing key', async () => {
    const body = delivery('User.Deleted');
    assert.equal(await verifyLogtoSignature(bytes(body), sign(body), SIGNING_KEY), true);
    assert.equal(await verifyLogtoSignature(bytes(body), sign(body).toUpperCase(), SIGNING_KEY), true);
  });

  const forgeries: { description: string; body: string; signature: (body: string) => string | undefined }[] = [
    { description: 'a signature made with another key', body: delivery('User.Deleted'), signature: (body) => sign(body, 'another key') },
    { description: 'a body changed after signing', body: delivery('User.Deleted'), signature: () => sign(delivery('User.Created')) },
    { description: 'a truncated body', body: delivery('User.Deleted').slice(0, -1), signature: () => sign(delivery('User.Deleted')) },
    { description: 'a truncated signature', body: delivery('User.Deleted'), signature: (body) => sign(body).slice(0, 62) },
    { description: 'no signature', body: delivery('User.Deleted'), signature: () => undefined },
    { description: 'a signature that is not hex', body: delivery('User.Deleted'), signature: (body) => `${sign(body).slice(0, 63)}z` },
    { description: 'a base64 signature of the right HMAC', body: delivery('User.Deleted'), signature: (body) => createHmac('sha256', SIGNING_KEY).update(body).digest('base64') },
  ];
  for (const forgery of forgeries) {
    test(`refuses ${forgery.description}`, async () => {
      assert.equal(await verifyLogtoSignature(bytes(forgery.body), forgery.signature(forgery.body), SIGNING_KEY), false);
    });
  }
});

describe('revocationsFor', () => {
  const vectors: { description: string; event: LogtoWebhookEvent; expected: string[] }[] = [
    { description: 'a deleted user is revoked', event: { event: 'User.Deleted', params: { userId: 'u1' }, matchedRoute: '/users/:userId' }, expected: ['user:u1'] },
    { description: 'a suspended user is revoked', event: { event: 'User.SuspensionStatus.Updated', params: { userId: 'u2' }, data: { id: 'u2', isSuspended: true } }, expected: ['user:u2'] },
    { description: 'a reactivated user is not', event: { event: 'User.SuspensionStatus.Updated', params: { userId: 'u2' }, data: { id: 'u2', isSuspended: false } }, expected: [] },
    { description: 'a user whose roles changed is revoked', event: { event: 'User.Data.Updated', params: { userId: 'u3' }, matchedRoute: '/users/:userId/roles' }, expected: ['user:u3'] },
    { description: 'a profile change revokes nothing', event: { event: 'User.Data.Updated', params: { userId: 'u3' }, matchedRoute: '/users/:userId' }, expected: [] },
    { description: 'a member removed from an organization is revoked', event: { event: 'Organization.Membership.Updated', params: { id: 'org_1', userId: 'u4' }, matchedRoute: '/organizations/:id/users/:userId' }, expected: ['user:u4'] },
    { description: 'members listed as removed are revoked', event: { event: 'Organization.Membership.Updated', params: { id: 'org_1' }, data: { removedUserIds: ['u5', 'u6'] } }, expected: ['user:u5', 'user:u6'] },
    { description: 'a membership change that names nobody is a broad change', event: { event: 'Organization.Membership.Updated', params: { id: 'org_1' }, matchedRoute: '/organizations/:id/users' }, expected: ['all'] },
    { description: "a role's permissions changing is a broad change", event: { event: 'Role.Scopes.Updated', params: { id: 'role_1' } }, expected: ['all'] },
    { description: "an organization role's permissions changing is a broad change", event: { event: 'OrganizationRole.Scopes.Updated', params: { id: 'orgrole_1' } }, expected: ['all'] },
    { description: 'a new user revokes nothing', event: { event: 'User.Created', data: { id: 'u7' } }, expected: [] },
    { description: 'a sign-in revokes nothing', event: { event: 'PostSignIn', userId: 'u8' }, expected: [] },
  ];
  for (const vector of vectors) {
    test(vector.description, () => {
      assert.deepEqual(
        revocationsFor(vector.event).map((revocation) => (revocation.kind === 'user' ? `user:${revocation.sub}` : 'all')),
        vector.expected,
      );
    });
  }

  test('leaves broad changes alone with broadChanges: ignore', () => {
    assert.deepEqual(revocationsFor({ event: 'Role.Scopes.Updated' }, 'ignore'), []);
  });
});

describe('handleLogtoWebhook', () => {
  test('revokes once and acknowledges a retried delivery without applying it again', async () => {
    const { calls, target } = recorder();
    const store = new Map<string, string>();
    const options: LogtoWebhookOptions = {
      signingKey: SIGNING_KEY,
      revocation: target,
      store: { setIfAbsent: async (key, value) => (store.has(key) ? false : (store.set(key, value), true)) },
    };
    const body = delivery('User.Deleted', { params: { userId: 'u1' } });
    assert.deepEqual(await handleLogtoWebhook(bytes(body), sign(body), options), { status: 200, body: { ok: true, revoked: 1, duplicate: false } });
    assert.deepEqual(await handleLogtoWebhook(bytes(body), sign(body), options), { status: 200, body: { ok: true, revoked: 0, duplicate: true } });
    assert.deepEqual(calls, ['user:u1']);
  });

  test('answers 401 without detail for a bad signature and revokes nothing', async () => {
    const { calls, target } = recorder();
    const body = delivery('User.Deleted', { params: { userId: 'u1' } });
    assert.deepEqual(await handleLogtoWebhook(bytes(body), sign(body, 'wrong'), { signingKey: SIGNING_KEY, revocation: target }), { status: 401, body: { error: 'invalid_signature' } });
    assert.deepEqual(calls, []);
  });

  test('answers 400 for a signed body that is not a Logto event', async () => {
    const { target } = recorder();
    for (const body of ['[]', '{"hookId":"h"}', 'not json']) {
      assert.equal((await handleLogtoWebhook(bytes(body), sign(body), { signingKey: SIGNING_KEY, revocation: target })).status, 400, body);
    }
  });
});

describe('webhook handlers over HTTP', () => {
  let server: LoopbackServer;
  let fetchServer: LoopbackServer;
  const { calls, target } = recorder();

  before(async () => {
    const app = express();
    app.post('/hooks/raw-stream', createNodeLogtoWebhookHandler({ signingKey: SIGNING_KEY, revocation: target }));
    app.post('/hooks/express-raw', express.raw({ type: 'application/json' }), createNodeLogtoWebhookHandler({ signingKey: SIGNING_KEY, revocation: target }));
    app.post('/hooks/after-json', express.json(), createNodeLogtoWebhookHandler({ signingKey: SIGNING_KEY, revocation: target }));
    server = await serveOnLoopback(app);
    // the Fetch handler as Next, Hono, Workers, Deno or Bun would call it
    fetchServer = await serveOnLoopback(getRequestListener(createLogtoWebhookHandler({ signingKey: SIGNING_KEY, revocation: target })));
  });
  after(async () => {
    await server.close();
    await fetchServer.close();
  });

  const post = (path: string, body: string, signature: string) =>
    fetch(path === '/hooks/fetch' ? `${fetchServer.url}${path}` : `${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'logto-signature-sha-256': signature, 'user-agent': 'Logto (https://logto.io/)' }, body });

  for (const path of ['/hooks/raw-stream', '/hooks/express-raw', '/hooks/fetch']) {
    test(`${path} revokes a suspended user and refuses a forged delivery`, async () => {
      const body = delivery('User.SuspensionStatus.Updated', { params: { userId: `suspended${path}` }, data: { id: `suspended${path}`, isSuspended: true } });
      const forged = await post(path, body, sign(body, 'attacker'));
      assert.equal(forged.status, 401);
      assert.deepEqual(await forged.json(), { error: 'invalid_signature' });
      const response = await post(path, body, sign(body));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await response.json(), { ok: true, revoked: 1, duplicate: false });
      assert.ok(calls.includes(`user:suspended${path}`));
    });
  }

  test('says to mount the route before express.json() when the body was already parsed', async () => {
    const body = delivery('User.Deleted', { params: { userId: 'u9' } });
    const response = await post('/hooks/after-json', body, sign(body));
    assert.equal(response.status, 500);
    assert.equal(((await response.json()) as { error: string }).error, 'body_already_parsed');
    assert.ok(!calls.includes('user:u9'));
  });
});

describe('webhook handler options', () => {
  test('throw a TypeError for a missing signing key or revocation list', () => {
    const { target } = recorder();
    assert.throws(() => createLogtoWebhookHandler({ signingKey: '', revocation: target }), TypeError);
    assert.throws(() => createLogtoWebhookHandler({ signingKey: SIGNING_KEY } as LogtoWebhookOptions), TypeError);
    assert.throws(() => createLogtoWebhookHandler({ signingKey: SIGNING_KEY, revocation: { revokeUser: () => {} } }), /revokeAll/);
    assert.doesNotThrow(() => createLogtoWebhookHandler({ signingKey: SIGNING_KEY, revocation: { revokeUser: () => {} }, broadChanges: 'ignore' }));
  });
});
