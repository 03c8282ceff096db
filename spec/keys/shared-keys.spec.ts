// Keys shared through a store: a warm store spares a cold instance its request
// to the issuer, what the store holds passes the same checks as a fetched
// JWKS, the unknown-kid cooldown is the fleet's, and a failing store only
// costs a fetch. An "instance" is this process after clearJwksCache(): its
// own cache is gone, the store stays. The store is an in-test Map.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { createClient } from 'redis';
import { exportJWK } from 'jose';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import type { Store } from '../../lib/stores/store.ts';
import { memoryStore } from '../../lib/stores/memory.ts';
import { redisStore } from '../../lib/stores/redis.ts';
import { STORE_READ_BUDGET_MS } from '../../lib/keys/shared-keys.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';
import { clearTokenCache } from '../../lib/token-cache.ts';
import { verifyLogtoToken } from '../../lib/verify.ts';
import { recordEvents } from '../helpers/event-recorder.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint, type TestKey } from '../helpers/keys.ts';

const AUDIENCE = 'https://api.shared.test';
let server: JwksServer;
let key: TestKey;

/** A Map-backed store with TTLs, counting calls per operation. */
function mapStore() {
  const data = new Map<string, { value: string; expiresAt: number }>();
  const calls = { get: 0, set: 0, setIfAbsent: 0 };
  const live = (name: string) => {
    const entry = data.get(name);
    return entry && entry.expiresAt > Date.now() ? entry.value : undefined;
  };
  const store: Store = {
    capabilities: { consistency: 'strong', atomicSetIfAbsent: true, minTtlMs: 1 },
    async get(name) {
      calls.get++;
      return live(name);
    },
    async set(name, value, ttlMs) {
      calls.set++;
      data.set(name, { value, expiresAt: Date.now() + ttlMs });
    },
    async setIfAbsent(name, value, ttlMs) {
      calls.setIfAbsent++;
      if (live(name) !== undefined) return false;
      data.set(name, { value, expiresAt: Date.now() + ttlMs });
      return true;
    },
    async delete(name) {
      data.delete(name);
    },
  };
  return { store, data, calls };
}

/** A new instance: its in-process caches are gone, the store is not. */
function newInstance() {
  clearJwksCache();
  clearTokenCache();
}

beforeEach(async () => {
  newInstance();
  key = await makeKey('ES256', 'shared');
  server = await startJwksServer([key.publicJwk]);
});
afterEach(() => server.close());

const options = (store: Store, extra: Record<string, unknown> = {}) => ({ logtoUrl: server.logtoUrl, audience: AUDIENCE, store, ...extra });
const token = (signer: TestKey = key) => mint(signer, { iss: server.issuer, aud: AUDIENCE });

describe('keys shared through a store', () => {
  test('lets a new instance on a warm store verify with no request to the issuer', async () => {
    const { store } = mapStore();
    const t = await token();
    assert.equal((await verifyLogtoToken(t, options(store))).isAuthenticated, true);
    assert.equal(server.hits(), 1);
    for (let instance = 0; instance < 5; instance++) {
      newInstance();
      assert.equal((await verifyLogtoToken(t, options(store))).isAuthenticated, true);
    }
    assert.equal(server.hits(), 1, 'five cold instances, no request');
  });

  test('checks what the store holds like a fetched JWKS, and asks the issuer when it fails them', async () => {
    const { store, data } = mapStore();
    await verifyLogtoToken(await token(), options(store));
    const [name] = [...data.keys()];
    const shared = JSON.parse(data.get(name!)!.value) as { fetchedAt: number; jwks: string };
    const { d } = await exportJWK(key.privateKey);
    const tampered: { description: string; value: string }[] = [
      { description: 'a key with private material', value: JSON.stringify({ ...shared, jwks: JSON.stringify({ keys: [{ ...key.publicJwk, d }] }) }) },
      { description: 'a key with duplicate key_ops', value: JSON.stringify({ ...shared, jwks: JSON.stringify({ keys: [{ ...key.publicJwk, key_ops: ['verify', 'verify'] }] }) }) },
      { description: 'more than 256 KiB', value: JSON.stringify({ ...shared, jwks: JSON.stringify({ keys: [key.publicJwk] }) + ' '.repeat(256 * 1024) }) },
      { description: 'not JSON', value: '{"fetchedAt":' },
      { description: 'no fetchedAt', value: JSON.stringify({ jwks: shared.jwks }) },
    ];
    let hits = server.hits();
    for (const { description, value } of tampered) {
      newInstance();
      data.clear(); // the unknown-kid cooldown too: each case is the fleet's first look at these keys
      data.set(name!, { value, expiresAt: Date.now() + 60_000 });
      // the key in the store is refused, so a valid token still needs the issuer
      assert.equal((await verifyLogtoToken(await token(), options(store))).isAuthenticated, true, description);
      assert.equal(server.hits(), ++hits, description);
    }
  });

  test('shares the unknown-kid cooldown, so one instance per 30 s asks the issuer for a rotation', async () => {
    const { store } = mapStore();
    await verifyLogtoToken(await token(), options(store));
    const next = await makeKey('ES256', 'next', { fresh: true });
    server.setKeys([next.publicJwk, key.publicJwk]);
    // instance A meets the rotated key first: it claims the cooldown and refetches
    assert.equal((await verifyLogtoToken(await token(next), options(store))).isAuthenticated, true);
    assert.equal(server.hits(), 2);
    // instance B starts cold and finds the rotated keys in the store
    newInstance();
    assert.equal((await verifyLogtoToken(await token(next), options(store))).isAuthenticated, true);
    // instances C to F meet made-up kids inside the fleet's cooldown: none asks the issuer
    const stranger = await makeKey('ES256', 'stranger', { fresh: true });
    for (let instance = 0; instance < 4; instance++) {
      newInstance();
      await assert.rejects(verifyLogtoToken(await token(stranger), options(store)), { code: 'KEY_NOT_FOUND', status: 401 });
    }
    assert.equal(server.hits(), 2);
  });

  test('picks up a rotation on a cold instance whose store copy predates it', async () => {
    const { store } = mapStore();
    await verifyLogtoToken(await token(), options(store));
    const next = await makeKey('ES256', 'next', { fresh: true });
    server.setKeys([next.publicJwk, key.publicJwk]);
    newInstance();
    assert.equal((await verifyLogtoToken(await token(next), options(store))).isAuthenticated, true);
    assert.equal(server.hits(), 2, 'the store copy answered first, then one refetch for the new kid');
  });

  test('verifies through a failing store by asking the issuer, and reports each failure as store-error', async () => {
    const failing: Store = {
      capabilities: { consistency: 'strong', atomicSetIfAbsent: true, minTtlMs: 1 },
      get: async () => {
        throw new Error('ECONNREFUSED');
      },
      set: async () => {
        throw new Error('ECONNREFUSED');
      },
      setIfAbsent: async () => {
        throw new Error('ECONNREFUSED');
      },
      delete: async () => {},
    };
    const hook = recordEvents();
    assert.equal((await verifyLogtoToken(await token(), options(failing, { onEvent: hook.onEvent }))).isAuthenticated, true);
    const stranger = await makeKey('ES256', 'stranger', { fresh: true });
    await assert.rejects(verifyLogtoToken(await token(stranger), options(failing, { onEvent: hook.onEvent })), { code: 'KEY_NOT_FOUND' });
    await hook.until('store-error', 3); // read and write for the first fetch, write for the refetch; the failed read paused the store, so no cooldown claim
    assert.deepEqual(
      hook.events.filter((event) => event.type === 'store-error').map((event) => event.type === 'store-error' && event.operation).sort(),
      ['jwks-read', 'jwks-write', 'jwks-write'],
    );
    assert.equal(server.hits(), 2, 'the first fetch and the unknown-kid refetch, as without a store');
  });
});

// Redis down with the client still "connected": node-redis queues each command
// until the store's own timeout, here far longer than any test, so a request
// that waited on the store would never answer. The store read gets a budget
// and the issuer is asked while those commands are still pending.
describe('keys shared through a Redis that is down', () => {
  let redis: RedisServer;
  let client: ReturnType<typeof createClient>;
  let pending = 0;
  let store: Store;

  before(async () => {
    redis = await startRedisServer();
    client = createClient({ url: redis.url, socket: { reconnectStrategy: () => 60_000 } });
    client.on('error', () => undefined);
    await client.connect();
    await redis.kill();
  });
  after(async () => {
    client?.destroy();
    await redis?.stop();
  });
  beforeEach(() => {
    const inner = redisStore(client, { timeoutMs: 600_000 });
    const counted = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => (...args: A) => {
      pending++;
      return call(...args).finally(() => pending--);
    };
    store = { ...inner, get: counted(inner.get), setIfAbsent: counted(inner.setIfAbsent), set: async () => {} };
  });

  test('answers 20 concurrent cold-start requests while the store read is still unanswered, with one request to the issuer', async () => {
    const hook = recordEvents();
    const t = await token();
    const results = await Promise.all(Array.from({ length: 20 }, () => verifyLogtoToken(t, options(store, { onEvent: hook.onEvent }))));
    assert.deepEqual(results.map((context) => context.isAuthenticated), Array(20).fill(true));
    assert.equal(server.hits(), 1);
    assert.ok(pending >= 1, 'the store has not answered yet');
    assert.deepEqual(hook.events.filter((event) => event.type === 'store-error'), [{ type: 'store-error', operation: 'jwks-read', error: `the store did not answer within ${STORE_READ_BUDGET_MS} ms` }]);
  });

  test('verifies the first token of a rotated-in key while the cooldown claim is still unanswered', async () => {
    await verifyLogtoToken(await token(), options(memoryStore()));
    const next = await makeKey('ES256', 'rotated', { fresh: true });
    server.setKeys([next.publicJwk, key.publicJwk]);
    const before = pending;
    assert.equal((await verifyLogtoToken(await token(next), options(store))).isAuthenticated, true);
    assert.equal(server.hits(), 2);
    assert.ok(pending > before, 'the claim has not been answered');
  });
});
