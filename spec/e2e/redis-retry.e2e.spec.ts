// Nothing lost on failure (issue 18): with a real redis-server killed between a
// delivery and its retry, a Logto webhook delivery and a back-channel logout
// token that failed (500) are applied by their retry once Redis is back, and the
// revocation reaches another instance through the store. node-redis keeps the
// commands it could not send and runs them when Redis returns: a "seen" mark
// written before the revocation was applied would make the retry a duplicate.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import express from 'express';
import { createClient } from 'redis';
import { createNodeBackchannelLogoutHandler, createNodeLogtoWebhookHandler } from '../../lib/adapters/revocation-handlers.ts';
import type { AuthEvent } from '../../lib/events.ts';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import { BACKCHANNEL_LOGOUT_EVENT } from '../../lib/revocation/logout-token.ts';
import { createRevocationList } from '../../lib/revocation/revocation-list.ts';
import { redisStore } from '../../lib/stores/redis.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint, type TestKey } from '../helpers/keys.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';

const SIGNING_KEY = 'whsec_redis_retry';
const CLIENT_ID = 'web-app';
const COMMAND_TIMEOUT_MS = 300;
/** Longest wait for a condition before the test fails: generous, CI machines are shared. */
const DEADLINE_MS = 20_000;

let redis: RedisServer;
let jwks: JwksServer;
let key: TestKey;

before(async () => {
  clearJwksCache();
  redis = await startRedisServer();
  key = await makeKey('ES384', 'retry-key');
  jwks = await startJwksServer([key.publicJwk]);
});
after(async () => {
  await jwks?.close();
  await redis?.stop();
});

async function until<T>(attempt: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function connectedClient() {
  const client = createClient({ url: redis.url, socket: { reconnectStrategy: () => 50 } });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

test('a webhook delivery and a logout token that failed while Redis was down are applied by their retry', async () => {
  const appClient = await connectedClient();
  const events: AuthEvent[] = [];
  const store = redisStore(appClient, { timeoutMs: COMMAND_TIMEOUT_MS });
  const list = createRevocationList({ store, syncIntervalMs: 0, subscribe: false });
  await list.ready();
  const app = express();
  app.post('/hooks/logto', createNodeLogtoWebhookHandler({ signingKey: SIGNING_KEY, revocation: list, store, onEvent: (event) => events.push(event) }));
  app.post('/logout', createNodeBackchannelLogoutHandler({ logtoUrl: jwks.logtoUrl, clientId: CLIENT_ID, revocation: list, store, onEvent: (event) => events.push(event) }));
  const http: LoopbackServer = await serveOnLoopback(app);

  const nowSec = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ event: 'User.Deleted', createdAt: new Date().toISOString(), method: 'DELETE', matchedRoute: '/users/:userId', params: { userId: 'deleted_user' }, data: null, hookId: 'hook' });
  const deliver = () => fetch(`${http.url}/hooks/logto`, { method: 'POST', headers: { 'content-type': 'application/json', 'logto-signature-sha-256': createHmac('sha256', SIGNING_KEY).update(body).digest('hex') }, body });
  const logoutToken = await mint(key, { iss: jwks.issuer, aud: CLIENT_ID, expiresIn: 120, header: { typ: 'logout+jwt' }, claims: { sub: 'logged_out_user', sid: 'sid_1', iat: nowSec, jti: crypto.randomUUID(), events: { [BACKCHANNEL_LOGOUT_EVENT]: {} }, scope: undefined, client_id: undefined } });
  const logout = () => fetch(`${http.url}/logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logout_token: logoutToken }) });
  // warm the JWKS cache so the logout's failure is the store's, not the keys'
  assert.equal((await fetch(`${http.url}/logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'logout_token=x' })).status, 400);

  try {
    await redis.kill();
    const failedDelivery = await deliver();
    assert.equal(failedDelivery.status, 500);
    assert.equal(failedDelivery.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await failedDelivery.json(), { error: 'internal_error' });
    const failedLogout = await logout();
    assert.equal(failedLogout.status, 500);
    assert.equal(failedLogout.headers.get('cache-control'), 'no-store');
    assert.deepEqual(
      events.map((event) => event.type === 'handler-error' && `${event.handler} ${event.status}`),
      ['logto-webhook 500', 'backchannel-logout 500'],
    );
    assert.ok(events.every((event) => !JSON.stringify(event).includes(logoutToken.split('.')[2]!)), 'no signature in an event');

    await redis.restart();
    // Logto's retries: answered 500 until the client has reconnected, then applied (not a duplicate)
    const retried = await until(async () => {
      const response = await deliver();
      return response.status === 500 ? undefined : { status: response.status, body: await response.json() };
    }, 'the delivery retry to be answered');
    assert.deepEqual(retried, { status: 200, body: { ok: true, revoked: 1, duplicate: false } });
    const retriedLogout = await until(async () => {
      const response = await logout();
      return response.status === 500 ? undefined : { status: response.status, body: await response.json() };
    }, 'the logout retry to be answered');
    assert.deepEqual(retriedLogout, { status: 200, body: { ok: true } });

    // applied once: the next copies are duplicates
    assert.deepEqual(await (await deliver()).json(), { ok: true, revoked: 0, duplicate: true });
    assert.equal((await logout()).status, 400);

    // and in the store: a fresh instance of the fleet refuses both users' earlier tokens
    const otherClient = await connectedClient();
    const other = createRevocationList({ store: redisStore(otherClient, { timeoutMs: COMMAND_TIMEOUT_MS }), syncIntervalMs: 0, subscribe: false });
    try {
      await other.ready();
      assert.equal(other.check({ sub: 'deleted_user', iat: nowSec - 1 }), 'sub');
      assert.equal(other.check({ sub: 'logged_out_user', iat: nowSec - 1 }), 'sub');
      assert.equal(other.check({ sub: 'someone_else', iat: nowSec - 1 }), undefined);
    } finally {
      await other.close();
      otherClient.destroy();
    }
  } finally {
    await list.close();
    await http.close();
    appClient.destroy();
  }
});
