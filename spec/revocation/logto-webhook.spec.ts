import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { getRequestListener } from '@hono/node-server';
import { createLogtoWebhookHandler, createNodeLogtoWebhookHandler } from '../../lib/adapters/revocation-handlers.ts';
import { handleLogtoWebhook, revocationsFor, verifyLogtoSignature, type LogtoWebhookEvent, type LogtoWebhookOptions, type WebhookRevocation, WEBHOOK_DEDUPE_TTL_MS } from '../../lib/revocation/logto-webhook.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';
import { cloudflareKvStore } from '../../lib/stores/cloudflare-kv.ts';
import { memoryStore } from '../../lib/stores/memory.ts';
import { revocationRecorder } from '../helpers/revocation-recorder.ts';

const SIGNING_KEY = 'whsec_test_0123456789abcdef';
// Logto signs JSON.stringify(payload) with the hook's signing key: hex HMAC-SHA-256
const sign = (body: string, key = SIGNING_KEY) => createHmac('sha256', key).update(body).digest('hex');
const bytes = (text: string) => new TextEncoder().encode(text);

// shaped like Logto's data-mutation deliveries
function delivery(event: string, extra: Partial<LogtoWebhookEvent> = {}): string {
  return JSON.stringify({ hookId: 'hook_1', event, createdAt: new Date().toISOString(), userAgent: 'Logto (https://logto.io/)', ip: '127.0.0.1', path: '/api/x', method: 'PATCH', status: 200, ...extra });
}

const recorder = revocationRecorder;

// a store with atomic set-if-absent over a Map, as the memory store promises
function mapStore() {
  const map = new Map<string, string>();
  return {
    map,
    store: {
      capabilities: { consistency: 'strong' as const, atomicSetIfAbsent: true, minTtlMs: 0 },
      get: async (key: string) => map.get(key),
      setIfAbsent: async (key: string, value: string) => (map.has(key) ? false : (map.set(key, value), true)),
    },
  };
}

const label = (revocation: WebhookRevocation): string => {
  switch (revocation.kind) {
    case 'user':
      return `user:${revocation.sub}`;
    case 'membership':
      return `member:${revocation.organizationId}:${revocation.sub}`;
    case 'organization':
      return `org:${revocation.organizationId}`;
    case 'scope':
      return `scope:${revocation.name}`;
    default:
      return 'all';
  }
};

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
  // shaped as Logto 1.42 sends them (fixtures/logto-1.42/06-webhooks.json); the held-out
  // routes (removals) follow the same shape: method, matchedRoute, params, data null
  const vectors: { description: string; event: LogtoWebhookEvent; expected: string[] }[] = [
    { description: 'a deleted user is revoked', event: { event: 'User.Deleted', method: 'DELETE', params: { userId: 'u1' }, matchedRoute: '/users/:userId' }, expected: ['user:u1'] },
    { description: 'a suspended user is revoked', event: { event: 'User.SuspensionStatus.Updated', params: { userId: 'u2' }, data: { id: 'u2', isSuspended: true } }, expected: ['user:u2'] },
    { description: 'a reactivated user is not', event: { event: 'User.SuspensionStatus.Updated', params: { userId: 'u2' }, data: { id: 'u2', isSuspended: false } }, expected: [] },
    { description: 'a profile or password change revokes nothing', event: { event: 'User.Data.Updated', method: 'PATCH', params: { userId: 'u3' }, matchedRoute: '/users/:userId/password' }, expected: [] },
    { description: 'a member added to an organization revokes nobody', event: { event: 'Organization.Membership.Updated', method: 'POST', matchedRoute: '/organizations/:id/users', params: { id: 'org_1' }, data: null, addedUserIds: ['u4'] }, expected: [] },
    { description: 'an application added to an organization revokes nobody', event: { event: 'Organization.Membership.Updated', method: 'POST', matchedRoute: '/organizations/:id/applications', params: { id: 'org_1' }, data: null, addedApplicationIds: ['app_1'] }, expected: [] },
    { description: 'a member removed is revoked for that organization only', event: { event: 'Organization.Membership.Updated', method: 'DELETE', matchedRoute: '/organizations/:id/users/:userId', params: { id: 'org_1', userId: 'u4' }, data: null, removedUserIds: ['u4'] }, expected: ['member:org_1:u4'] },
    { description: 'a replacement revokes only the members it removed', event: { event: 'Organization.Membership.Updated', method: 'PUT', matchedRoute: '/organizations/:id/users', params: { id: 'org_1' }, data: null, addedUserIds: ['u7'], removedUserIds: ['u5', 'u6'] }, expected: ['member:org_1:u5', 'member:org_1:u6'] },
    { description: 'an application removed is revoked for that organization', event: { event: 'Organization.Membership.Updated', method: 'DELETE', matchedRoute: '/organizations/:id/applications/:applicationId', params: { id: 'org_1', applicationId: 'app_1' }, data: null, removedApplicationIds: ['app_1'] }, expected: ['member:org_1:app_1'] },
    { description: 'a removal route that lists nobody revokes the member in its route', event: { event: 'Organization.Membership.Updated', method: 'DELETE', matchedRoute: '/organizations/:id/users/:userId', params: { id: 'org_1', userId: 'u8' }, data: null }, expected: ['member:org_1:u8'] },
    { description: 'a removal that names nobody revokes that organization only', event: { event: 'Organization.Membership.Updated', method: 'PUT', matchedRoute: '/organizations/:id/users', params: { id: 'org_1' }, data: null }, expected: ['org:org_1'] },
    { description: 'a role created with scopes revokes nobody', event: { event: 'Role.Scopes.Updated', method: 'POST', matchedRoute: '/roles', params: {}, data: [{ id: 's1', name: 'read:data' }] }, expected: [] },
    { description: 'a scope added to a role revokes nobody', event: { event: 'Role.Scopes.Updated', method: 'POST', matchedRoute: '/roles/:id/scopes', params: { id: 'role_1' }, data: [] }, expected: [] },
    { description: 'a scope removed from a role revokes the tokens that carry a scope', event: { event: 'Role.Scopes.Updated', method: 'DELETE', matchedRoute: '/roles/:id/scopes/:scopeId', params: { id: 'role_1', scopeId: 's1' }, data: null }, expected: ['scope:*'] },
    { description: 'an organization role created with scopes revokes nobody', event: { event: 'OrganizationRole.Scopes.Updated', method: 'POST', matchedRoute: '/organization-roles', params: {}, data: null }, expected: [] },
    { description: "an organization role's scopes replaced revokes the organization tokens", event: { event: 'OrganizationRole.Scopes.Updated', method: 'PUT', matchedRoute: '/organization-roles/:id/scopes', params: { id: 'orole_1' }, data: null }, expected: ['org:*'] },
    { description: 'a role deleted revokes the tokens that carry a scope', event: { event: 'Role.Deleted', method: 'DELETE', matchedRoute: '/roles/:id', params: { id: 'role_1' }, data: null }, expected: ['scope:*'] },
    { description: 'an organization role deleted revokes the organization tokens', event: { event: 'OrganizationRole.Deleted', method: 'DELETE', params: { id: 'orole_1' }, data: null }, expected: ['org:*'] },
    { description: 'a scope deleted revokes the tokens that carry a scope', event: { event: 'Scope.Deleted', method: 'DELETE', params: { resourceId: 'r1', scopeId: 's1' }, data: null }, expected: ['scope:*'] },
    { description: 'an organization scope deleted revokes the organization tokens', event: { event: 'OrganizationScope.Deleted', method: 'DELETE', params: { id: 'oscope_1' }, data: null }, expected: ['org:*'] },
    { description: "an organization deleted revokes that organization's tokens", event: { event: 'Organization.Deleted', method: 'DELETE', params: { id: 'org_1' }, data: null }, expected: ['org:org_1'] },
    { description: 'a new user revokes nothing', event: { event: 'User.Created', data: { id: 'u7' } }, expected: [] },
    { description: 'a sign-in revokes nothing', event: { event: 'PostSignIn', userId: 'u8' }, expected: [] },
  ];
  for (const vector of vectors) {
    test(vector.description, async () => {
      assert.deepEqual((await revocationsFor(vector.event)).map(label), vector.expected);
    });
  }

  test("revokes a role's holders, as the app's roleHolders says, instead of a whole dimension", async () => {
    const asked: unknown[] = [];
    const roleHolders = (role: { type: string; id: string }) => (asked.push(role), role.id === 'gone' ? undefined : ['u1', 'app_1']);
    const removal = { event: 'Role.Scopes.Updated', method: 'DELETE', params: { id: 'role_1', scopeId: 's1' }, data: null };
    assert.deepEqual((await revocationsFor(removal, { roleHolders })).map(label), ['user:u1', 'user:app_1']);
    const organizational = { event: 'OrganizationRole.Scopes.Updated', method: 'DELETE', params: { id: 'orole_1', organizationScopeId: 'os1' }, data: null };
    assert.deepEqual((await revocationsFor(organizational, { roleHolders })).map(label), ['member:*:u1', 'member:*:app_1']);
    // a deleted role the resolver no longer knows: the narrow default
    assert.deepEqual((await revocationsFor({ event: 'Role.Deleted', params: { id: 'gone' }, data: null }, { roleHolders })).map(label), ['scope:*']);
    // an addition never asks
    await revocationsFor({ event: 'Role.Scopes.Updated', method: 'POST', params: { id: 'role_2' } }, { roleHolders });
    assert.deepEqual(asked, [{ type: 'role', id: 'role_1' }, { type: 'organization-role', id: 'orole_1' }, { type: 'role', id: 'gone' }]);
  });

  test("revokes a deleted scope by name, as the app's scopeName says", async () => {
    const scopeName = (scope: { type: string; id: string }) => (scope.id === 's1' ? 'write:data' : undefined);
    assert.deepEqual((await revocationsFor({ event: 'Scope.Deleted', params: { resourceId: 'r1', scopeId: 's1' }, data: null }, { scopeName })).map(label), ['scope:write:data']);
    assert.deepEqual((await revocationsFor({ event: 'Role.Scopes.Updated', method: 'DELETE', params: { id: 'role_1', scopeId: 's1' } }, { scopeName })).map(label), ['scope:write:data']);
    assert.deepEqual((await revocationsFor({ event: 'Scope.Deleted', params: { resourceId: 'r1', scopeId: 's2' }, data: null }, { scopeName })).map(label), ['scope:*']);
  });

  test('a resolver that fails fails the mapping (the delivery is retried)', async () => {
    await assert.rejects(revocationsFor({ event: 'Role.Deleted', params: { id: 'r' } }, { roleHolders: async () => Promise.reject(new Error('management api down')) }), /management api down/);
    await assert.rejects(revocationsFor({ event: 'Role.Deleted', params: { id: 'r' } }, { roleHolders: () => [42] as unknown as string[] }), TypeError);
  });

  test('broadChanges: revoke-all and ignore change only what names nobody', async () => {
    const deleted = { event: 'Organization.Deleted', params: { id: 'org_1' }, data: null };
    assert.deepEqual((await revocationsFor(deleted, { broadChanges: 'revoke-all' })).map(label), ['all']);
    assert.deepEqual(await revocationsFor(deleted, { broadChanges: 'ignore' }), []);
    const removed = { event: 'Organization.Membership.Updated', method: 'DELETE', params: { id: 'org_1', userId: 'u1' }, data: null, removedUserIds: ['u1'] };
    assert.deepEqual((await revocationsFor(removed, { broadChanges: 'ignore' })).map(label), ['member:org_1:u1']);
    const created = { event: 'Role.Scopes.Updated', method: 'POST', matchedRoute: '/roles', params: {} };
    assert.deepEqual(await revocationsFor(created, { broadChanges: 'revoke-all' }), []);
  });
});

describe('handleLogtoWebhook', () => {
  test('revokes once and acknowledges a retried delivery without applying it again', async () => {
    const { calls, target } = recorder();
    const { store } = mapStore();
    const options: LogtoWebhookOptions = { signingKey: SIGNING_KEY, revocation: target, store };
    const body = delivery('User.Deleted', { params: { userId: 'u1' } });
    assert.deepEqual(await handleLogtoWebhook(bytes(body), sign(body), options), { status: 200, body: { ok: true, revoked: 1, duplicate: false } });
    assert.deepEqual(await handleLogtoWebhook(bytes(body), sign(body), options), { status: 200, body: { ok: true, revoked: 0, duplicate: true } });
    assert.deepEqual(calls, ['user:u1']);
  });

  test('a delivery whose revocation failed is not remembered: its retry applies it', async () => {
    const { calls, target } = recorder();
    const { store, map } = mapStore();
    let failing = true;
    const options: LogtoWebhookOptions = { signingKey: SIGNING_KEY, revocation: { ...target, revokeUser: (sub: string) => (failing ? Promise.reject(new Error('store down')) : target.revokeUser(sub)) }, store };
    const body = delivery('User.Deleted', { params: { userId: 'u1' } });
    await assert.rejects(handleLogtoWebhook(bytes(body), sign(body), options), /store down/);
    assert.equal(map.size, 0, 'nothing marked as seen');
    failing = false;
    assert.deepEqual(await handleLogtoWebhook(bytes(body), sign(body), options), { status: 200, body: { ok: true, revoked: 1, duplicate: false } });
    assert.deepEqual(calls, ['user:u1']);
  });

  test('refuses a signed delivery older than the dedupe window, or from the future, and revokes nothing', async () => {
    const { calls, target } = recorder();
    const now = Date.now();
    for (const createdAt of [new Date(now - WEBHOOK_DEDUPE_TTL_MS - 1000).toISOString(), new Date(now + 5 * 60_000).toISOString(), 'yesterday', undefined]) {
      const body = delivery('User.Deleted', { params: { userId: 'u1' }, createdAt });
      assert.deepEqual(await handleLogtoWebhook(bytes(body), sign(body), { signingKey: SIGNING_KEY, revocation: target }), { status: 400, body: { error: 'stale_delivery' } }, String(createdAt));
    }
    const recent = delivery('User.Deleted', { params: { userId: 'u2' }, createdAt: new Date(now - 60 * 60_000).toISOString() });
    assert.equal((await handleLogtoWebhook(bytes(recent), sign(recent), { signingKey: SIGNING_KEY, revocation: target })).status, 200);
    assert.deepEqual(calls, ['user:u2']);
  });

  test('a replay after the dedupe window cannot revoke again: it is stale', async (t) => {
    const { calls, target } = recorder();
    const { store, map } = mapStore();
    t.mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-12-07T00:05:54.591Z') });
    const body = delivery('User.Deleted', { params: { userId: 'u1' }, createdAt: '2026-12-07T00:05:54.591Z' });
    assert.equal((await handleLogtoWebhook(bytes(body), sign(body), { signingKey: SIGNING_KEY, revocation: target, store })).status, 200);
    map.clear(); // the mark expired with its TTL
    t.mock.timers.tick(WEBHOOK_DEDUPE_TTL_MS + 1000);
    assert.deepEqual(await handleLogtoWebhook(bytes(body), sign(body), { signingKey: SIGNING_KEY, revocation: target, store }), { status: 400, body: { error: 'stale_delivery' } });
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
    assert.throws(() => createLogtoWebhookHandler({ signingKey: SIGNING_KEY, revocation: { revokeUser: () => {} } }), /revokeOrganization/);
    assert.throws(() => createLogtoWebhookHandler({ signingKey: SIGNING_KEY, revocation: { revokeUser: () => {} }, broadChanges: 'revoke-all' }), /revokeAll/);
    assert.doesNotThrow(() => createLogtoWebhookHandler({ signingKey: SIGNING_KEY, revocation: { revokeUser: () => {} }, broadChanges: 'ignore' }));
    assert.doesNotThrow(() => createLogtoWebhookHandler({ signingKey: SIGNING_KEY, revocation: target }));
  });

  test('refuse a store without atomic set-if-absent (Cloudflare KV) for replay protection', () => {
    const { target } = recorder();
    const kv = cloudflareKvStore({ get: async () => null, put: async () => undefined, delete: async () => undefined });
    assert.throws(() => createLogtoWebhookHandler({ signingKey: SIGNING_KEY, revocation: target, store: kv }), /atomic set-if-absent/);
    assert.throws(() => createNodeLogtoWebhookHandler({ signingKey: SIGNING_KEY, revocation: target, store: kv }), /atomic set-if-absent/);
    assert.doesNotThrow(() => createLogtoWebhookHandler({ signingKey: SIGNING_KEY, revocation: target, store: memoryStore() }));
  });
});
