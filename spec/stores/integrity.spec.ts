// lib/stores/integrity.ts against a real redis-server: an attacker with write
// access to the keyspace alone (a second client, no issuer key) writes a JWKS
// of their own, pre-claims the unknown-kid cooldown, appends and publishes
// revocations. Without the integrity key the store is trusted (the forged
// token passes: the threat is real); with it, everything written without the
// key is ignored and reported as a store-value-ignored event.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, mock, test } from 'node:test';
import { createClient } from 'redis';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import { clearTokenCache } from '../../lib/token-cache.ts';
import { verifyLogtoToken } from '../../lib/verify.ts';
import { createRevocationList, REVOCATION_RECONCILE_INTERVAL_MS } from '../../lib/revocation/revocation-list.ts';
import { redisStore } from '../../lib/stores/redis.ts';
import { memoryStore } from '../../lib/stores/memory.ts';
import { StoreIntegrityError, withStoreIntegrity } from '../../lib/stores/integrity.ts';
import type { Store } from '../../lib/stores/store.ts';
import type { AuthEvent } from '../../lib/events.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint, type TestKey } from '../helpers/keys.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';

const AUDIENCE = 'https://api.integrity.test';
const KEY = 'k'.repeat(16) + '-integrity-key-for-the-fleet';
let redis: RedisServer;
let app: ReturnType<typeof createClient>;
let attacker: ReturnType<typeof createClient>;
let server: JwksServer;
let issuerKey: TestKey;
let forgerKey: TestKey;
let prefix: string;

before(async () => {
  redis = await startRedisServer();
  app = createClient({ url: redis.url });
  attacker = createClient({ url: redis.url });
  app.on('error', () => undefined);
  attacker.on('error', () => undefined);
  await Promise.all([app.connect(), attacker.connect()]);
  issuerKey = await makeKey('ES256', 'issuer');
  forgerKey = await makeKey('ES256', 'forged', { fresh: true });
  server = await startJwksServer([issuerKey.publicJwk]);
});
after(async () => {
  server?.close();
  app?.destroy();
  attacker?.destroy();
  await redis?.stop();
});
let run = 0;
beforeEach(() => {
  clearJwksCache();
  clearTokenCache();
  prefix = `integrity-${++run}:`;
});

const store = (integrityKey?: string) => redisStore(app, { prefix, ...(integrityKey ? { integrityKey } : {}) });
const options = (s: Store, onEvent?: (event: AuthEvent) => void) => ({ logtoUrl: server.logtoUrl, audience: AUDIENCE, store: s, onEvent });
const token = (key: TestKey, claims: Record<string, unknown> = {}) => mint(key, { iss: server.issuer, aud: AUDIENCE, claims: { scope: 'admin', ...claims } });
/** What an attacker writes: the shape the library writes, without a tag. */
const forgedJwks = () => JSON.stringify({ fetchedAt: Date.now(), jwks: JSON.stringify({ keys: [forgerKey.publicJwk] }) });

describe('a store without an integrity key is a trust anchor', () => {
  test('a cold instance adopts a JWKS written to the store by someone without the issuer key', async () => {
    await attacker.set(`${prefix}jwks:${server.jwksUri}`, forgedJwks());
    const hits = server.hits();
    const context = await verifyLogtoToken(await token(forgerKey), options(store()));
    assert.equal(context.isAuthenticated, true);
    assert.equal(server.hits(), hits, 'not one request to the issuer');
  });
});

describe('what a store without a key says is bounded, and does not outlive its deletion', () => {
  // the clock alone is mocked (the Redis client keeps its own timers): the rebuild is due once Date says so
  beforeEach(() => mock.timers.enable({ apis: ['Date'], now: Date.now() }));
  afterEach(() => mock.timers.reset());

  test('forgets a revocation deleted from the feed, and one only published, at the next rebuild; ignores one dated in the future', async () => {
    const events: AuthEvent[] = [];
    const a = createRevocationList({ store: store(), syncIntervalMs: 0, onEvent: (event) => events.push(event) });
    try {
      await a.ready();
      const subscribers = async () => Number(((await attacker.sendCommand(['PUBSUB', 'NUMSUB', `${prefix}revocation`])) as unknown[])[1]);
      for (let waited = 0; (await subscribers()) < 1 && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      const nowSec = Math.floor(Date.now() / 1000);
      const appended = JSON.stringify({ by: 'sub', id: 'user_1', at: nowSec });
      const published = JSON.stringify({ by: 'sub', id: 'user_2', at: nowSec });
      const future = JSON.stringify({ by: 'all', id: '*', at: 2 ** 53 - 1 });
      await attacker.sendCommand(['ZADD', `${prefix}revocation`, String(Date.now()), appended]);
      await attacker.sendCommand(['ZADD', `${prefix}revocation`, String(Date.now() + 1), future]);
      await attacker.publish(`${prefix}revocation`, published);
      await a.sync();
      for (let waited = 0; a.check({ sub: 'user_2', iat: nowSec }) === undefined && waited < 2000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(a.check({ sub: 'user_1', iat: nowSec }), 'sub');
      assert.equal(a.check({ sub: 'user_2', iat: nowSec }), 'sub');
      assert.equal(a.check({ sub: 'user_3', iat: nowSec }), undefined, 'the future-dated entry is ignored');
      assert.ok(events.some((event) => event.type === 'store-value-ignored' && event.reason === 'a revocation dated in the future beyond the tolerance'));
      await attacker.sendCommand(['ZREM', `${prefix}revocation`, appended]);
      mock.timers.tick(REVOCATION_RECONCILE_INTERVAL_MS);
      await a.sync();
      assert.equal(a.check({ sub: 'user_1', iat: nowSec }), undefined, 'deleted from the store');
      assert.equal(a.check({ sub: 'user_2', iat: nowSec }), undefined, 'never in the store');
    } finally {
      await a.close();
    }
  });
});

describe('a store with an integrity key', () => {
  test('ignores a JWKS written without the key, asks the issuer, and says so', async () => {
    await attacker.set(`${prefix}jwks:${server.jwksUri}`, forgedJwks());
    const events: AuthEvent[] = [];
    const hits = server.hits();
    await assert.rejects(verifyLogtoToken(await token(forgerKey), options(store(KEY), (event) => events.push(event))), { code: 'KEY_NOT_FOUND', status: 401 });
    assert.ok(server.hits() > hits, 'the issuer was asked');
    assert.deepEqual(events.filter((event) => event.type === 'store-value-ignored')[0], { type: 'store-value-ignored', operation: 'jwks-read', reason: 'no valid integrity tag' });
    clearJwksCache();
    assert.equal((await verifyLogtoToken(await token(issuerKey), options(store(KEY)))).isAuthenticated, true);
  });

  test('shares the JWKS it tagged: a second cold instance verifies with no request to the issuer', async () => {
    await verifyLogtoToken(await token(issuerKey), options(store(KEY)));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the write runs behind the request
    clearJwksCache();
    const hits = server.hits();
    assert.equal((await verifyLogtoToken(await token(issuerKey), options(store(KEY)))).isAuthenticated, true);
    assert.equal(server.hits(), hits);
  });

  test('refetches for a rotated-in kid although the cooldown was pre-claimed without the key', async () => {
    const s = store(KEY);
    await verifyLogtoToken(await token(issuerKey), options(s));
    const rotated = await makeKey('ES256', 'rotated-in', { fresh: true });
    server.setKeys([issuerKey.publicJwk, rotated.publicJwk]);
    try {
      await attacker.set(`${prefix}jwks-unknown-kid:${server.jwksUri}`, '1', { PX: 60_000 });
      const events: AuthEvent[] = [];
      assert.equal((await verifyLogtoToken(await token(rotated), options(s, (event) => events.push(event)))).isAuthenticated, true);
      assert.ok(events.some((event) => event.type === 'store-value-ignored' && event.operation === 'jwks-cooldown'));
    } finally {
      server.setKeys([issuerKey.publicJwk]);
    }
  });

  test('ignores revocations appended or published without the key, and carries its own between instances', async () => {
    const events: AuthEvent[] = [];
    const a = createRevocationList({ store: store(KEY), onEvent: (event) => events.push(event) });
    const b = createRevocationList({ store: store(KEY) });
    try {
      await Promise.all([a.ready(), b.ready()]);
      // both lists subscribe after their first read
      const subscribers = async () => Number(((await attacker.sendCommand(['PUBSUB', 'NUMSUB', `${prefix}revocation`])) as unknown[])[1]);
      for (let waited = 0; (await subscribers()) < 2 && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      const nowSec = Math.floor(Date.now() / 1000);
      const forged = JSON.stringify({ by: 'all', id: '*', at: nowSec });
      await attacker.sendCommand(['ZADD', `${prefix}revocation`, String(Date.now()), forged]);
      await attacker.publish(`${prefix}revocation`, forged);
      await a.sync();
      for (let waited = 0; events.filter((event) => event.type === 'store-value-ignored').length < 2 && waited < 2000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(a.check({ sub: 'user_1', iat: nowSec - 10 }), undefined);
      assert.deepEqual(
        events.filter((event) => event.type === 'store-value-ignored').map((event) => event.type === 'store-value-ignored' && event.operation).sort(),
        ['revocation-read', 'revocation-subscribe'],
      );
      await b.revokeUser('user_1');
      await a.sync();
      assert.equal(a.check({ sub: 'user_1', iat: nowSec - 10 }), 'sub');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('withStoreIntegrity', () => {
  test('refuses a tagged value moved to another key', async () => {
    const inner = memoryStore();
    const s = withStoreIntegrity(inner, KEY);
    await s.set('a', 'value', 60_000);
    await inner.set('b', (await inner.get('a'))!, 60_000);
    assert.equal(await s.get('a'), 'value');
    await assert.rejects(s.get('b'), StoreIntegrityError);
  });

  test('refuses a value tagged under another key, and accepts every key of a rotation list', async () => {
    const inner = memoryStore();
    await withStoreIntegrity(inner, 'o'.repeat(40)).set('a', 'value', 60_000);
    await assert.rejects(withStoreIntegrity(inner, KEY).get('a'), StoreIntegrityError);
    assert.equal(await withStoreIntegrity(inner, [KEY, 'o'.repeat(40)]).get('a'), 'value');
  });

  test('refuses a key shorter than 32 characters with a TypeError', () => {
    assert.throws(() => withStoreIntegrity(memoryStore(), 'short'), TypeError);
    assert.throws(() => redisStore(app, { integrityKey: [] }), TypeError);
  });
});
