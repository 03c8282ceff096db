// lib/revocation/revocation-list.ts over the memory store (several lists over
// one store play a fleet in one process), with a clock and timers under test
// control. The real fleet, across processes on a real Redis, is
// spec/e2e/redis-fleet.e2e.spec.ts.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { createRevocationList, DEFAULT_READY_TIMEOUT_MS, DEFAULT_SYNC_INTERVAL_MS, REVOCATION_RECONCILE_INTERVAL_MS, type RevocationListOptions } from '../../lib/revocation/revocation-list.ts';
import { memoryStore } from '../../lib/stores/memory.ts';
import { cloudflareKvStore } from '../../lib/stores/cloudflare-kv.ts';
import type { FeedPage, Store } from '../../lib/stores/store.ts';
import type { AuthEvent } from '../../lib/events.ts';

const NOW = Date.UTC(2030, 0, 1);
const NOW_SEC = NOW / 1000;
const before = (sec: number) => ({ sub: 'user_1', iat: NOW_SEC - sec });

/** A memory store that can be taken down: every call then rejects. */
function flakyStore(): Store & { down: boolean } {
  const inner = memoryStore();
  const guard = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => (...args: A): Promise<R> => (state.down ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) : call(...args));
  const state = {
    down: false,
    capabilities: inner.capabilities,
    get: guard(inner.get),
    set: guard(inner.set),
    setIfAbsent: guard(inner.setIfAbsent),
    delete: guard(inner.delete),
    feed: { append: guard(inner.feed!.append), read: guard(inner.feed!.read), subscribe: inner.feed!.subscribe },
  };
  return state;
}

const lists: { close(): Promise<void> }[] = [];
function list(options: RevocationListOptions) {
  const made = createRevocationList(options);
  lists.push(made);
  return made;
}

// lets the promises a timer started settle
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

beforeEach(() => mock.timers.enable({ apis: ['Date', 'setInterval', 'setTimeout'], now: NOW }));
afterEach(async () => {
  await Promise.all(lists.splice(0).map((made) => made.close()));
  mock.timers.reset();
});

describe('createRevocationList', () => {
  test('refuses a user on the instance that revoked it at once, and on another instance as soon as the push arrives', async () => {
    const store = memoryStore();
    const a = list({ store });
    const b = list({ store });
    await Promise.all([a.ready(), b.ready()]);
    await settle(); // b subscribes after its first read
    assert.equal(b.check(before(10)), undefined);
    const revoked = a.revokeUser('user_1');
    assert.equal(a.check(before(10)), 'sub', 'the revoking instance refuses before the store answered');
    await revoked;
    assert.equal(b.check(before(10)), 'sub');
    assert.equal(b.check({ sub: 'user_1', iat: NOW_SEC + 1 }), undefined, 'a token issued after the revocation passes');
    assert.equal(b.check({ sub: 'user_2', iat: NOW_SEC - 10 }), undefined);
  });

  test('without push, learns a revocation at its next poll, within syncIntervalMs', async () => {
    const store = memoryStore();
    const a = list({ store, subscribe: false });
    const b = list({ store, subscribe: false });
    await b.ready();
    await a.revokeToken('jti_1');
    assert.equal(b.isRevoked({ jti: 'jti_1' }), false);
    mock.timers.tick(DEFAULT_SYNC_INTERVAL_MS);
    await b.sync();
    assert.equal(b.isRevoked({ jti: 'jti_1' }), true);
  });

  test('gives a new instance every revocation already in the store once ready', async () => {
    const store = memoryStore();
    const a = list({ store });
    await a.revokeUser('user_1');
    await a.revokeSession('sid_1');
    await a.revokeToken('jti_1', NOW_SEC + 600);
    const late = list({ store });
    await late.ready();
    assert.deepEqual(late.size(), { users: 1, tokens: 1, sessions: 1, organizations: 0, scopes: 0, members: 0 });
    assert.equal(late.check({ sub: 'user_2', sid: 'sid_1' }), 'sid');
  });

  test('gives a new instance the organization, scope and membership revocations in the store', async () => {
    const store = memoryStore();
    const a = list({ store });
    await a.revokeOrganization('org_1');
    await a.revokeScope('write:data');
    await a.revokeMembership('org_2', 'user_3');
    const late = list({ store });
    await late.ready();
    assert.deepEqual(late.size(), { users: 0, tokens: 0, sessions: 0, organizations: 1, scopes: 1, members: 1 });
    assert.equal(late.check({ sub: 'u', iat: NOW_SEC, aud: 'urn:logto:organization:org_1' }), 'org');
    assert.equal(late.check({ sub: 'u', iat: NOW_SEC, scope: 'read:data write:data' }), 'scope');
    assert.equal(late.check({ sub: 'user_3', iat: NOW_SEC, organization_id: 'org_2' }), 'member');
    assert.equal(late.check({ sub: 'user_3', iat: NOW_SEC, aud: 'https://api' }), undefined);
    await assert.rejects(a.revokeScope('two scopes'), TypeError);
  });

  test('forgets a user revocation once no token it could match is valid: maxTokenLifetimeSec plus toleranceSec', async () => {
    const store = memoryStore();
    const a = list({ store, maxTokenLifetimeSec: 600, toleranceSec: 0 });
    await a.revokeUser('user_1');
    mock.timers.tick(600_000 - DEFAULT_SYNC_INTERVAL_MS);
    await settle();
    assert.equal(a.size().users, 1);
    mock.timers.tick(60_000); // the next sweep
    await settle();
    assert.equal(a.size().users, 0);
    const late = list({ store, maxTokenLifetimeSec: 600, toleranceSec: 0 });
    await late.ready();
    assert.equal(late.size().users, 0, 'the feed dropped it too');
  });

  test('keeps applying the last known list while the store is down, and reports each failed sync as a store-error event', async () => {
    const store = flakyStore();
    const events: AuthEvent[] = [];
    const a = list({ store, onEvent: (event) => events.push(event) });
    await a.revokeUser('user_1');
    await a.ready();
    store.down = true;
    for (let i = 0; i < 3; i++) {
      mock.timers.tick(DEFAULT_SYNC_INTERVAL_MS);
      await settle();
    }
    assert.equal(a.check(before(10)), 'sub');
    assert.equal(a.check({ sub: 'user_2', iat: NOW_SEC }), undefined);
    const errors = events.filter((event) => event.type === 'store-error');
    assert.equal(errors.length, 3);
    assert.deepEqual(errors[0], { type: 'store-error', operation: 'revocation-sync', error: 'connect ECONNREFUSED 127.0.0.1:6379' });
  });

  test('fails closed once the store has not been read for failClosedAfterMs, and opens again when it answers', async () => {
    const store = flakyStore();
    const a = list({ store, failClosedAfterMs: 5000 });
    await a.ready();
    store.down = true;
    mock.timers.tick(5000);
    await settle();
    assert.equal(a.check({ sub: 'user_2', iat: NOW_SEC }), undefined, 'still inside the bound');
    mock.timers.tick(DEFAULT_SYNC_INTERVAL_MS);
    await settle();
    assert.equal(a.check({ sub: 'user_2', iat: NOW_SEC }), 'unavailable');
    store.down = false;
    mock.timers.tick(DEFAULT_SYNC_INTERVAL_MS);
    await settle();
    assert.equal(a.check({ sub: 'user_2', iat: NOW_SEC }), undefined);
  });

  test('rejects a revocation the store could not take, reports it, and still applies it on this instance', async () => {
    const store = flakyStore();
    const events: AuthEvent[] = [];
    const a = list({ store, onEvent: (event) => events.push(event) });
    store.down = true;
    await assert.rejects(a.revokeUser('user_1'), /ECONNREFUSED/);
    assert.equal(a.check(before(1)), 'sub');
    assert.ok(events.some((event) => event.type === 'store-error' && event.operation === 'revocation-append'));
  });

  test('marks an id seen once across the fleet (replay protection)', async () => {
    const store = memoryStore();
    const a = list({ store });
    const b = list({ store });
    assert.equal(await a.markSeen('delivery-1', 60_000), true);
    assert.equal(await b.markSeen('delivery-1', 60_000), false);
    assert.equal(await b.markSeen('delivery-2', 60_000), true);
  });

  test('refuses Cloudflare KV for revocation with a TypeError that says why', () => {
    const kv = { get: async () => null, put: async () => undefined, delete: async () => undefined };
    assert.throws(() => createRevocationList({ store: cloudflareKvStore(kv) }), (error: Error) => error instanceof TypeError && /eventually consistent/.test(error.message) && /upstashStore/.test(error.message));
  });

  const badOptions: [string, unknown][] = [
    ['no options', undefined],
    ['no store', {}],
    ['a store without a feed', { store: { ...memoryStore(), feed: undefined } }],
    ['maxTokenLifetimeSec 0', { store: memoryStore(), maxTokenLifetimeSec: 0 }],
    ['a negative syncIntervalMs', { store: memoryStore(), syncIntervalMs: -1 }],
    ['failClosedAfterMs NaN', { store: memoryStore(), failClosedAfterMs: Number.NaN }],
    ['an empty feed name', { store: memoryStore(), feed: '' }],
    ['an onEvent that is not a function', { store: memoryStore(), onEvent: 'log' }],
  ];
  for (const [name, options] of badOptions) {
    test(`refuses ${name} with a TypeError`, () => assert.throws(() => createRevocationList(options as RevocationListOptions), TypeError));
  }

  test('refuses an empty or oversized id to revoke', async () => {
    const a = list({ store: memoryStore() });
    await assert.rejects(a.revokeUser(''), TypeError);
    await assert.rejects(a.revokeSession('x'.repeat(257)), TypeError);
    await assert.rejects(a.revokeToken('j', Number.NaN), TypeError);
  });

  test('stops reading the store once closed', async () => {
    const store = memoryStore();
    let reads = 0;
    const counting = { ...store, feed: { ...store.feed!, read: (name: string, cursor: number) => (reads++, store.feed!.read(name, cursor)) } };
    const a = list({ store: counting });
    await a.ready();
    await a.close();
    const after = reads;
    mock.timers.tick(DEFAULT_SYNC_INTERVAL_MS * 5);
    await settle();
    assert.equal(reads, after);
  });

  test('fails closed before its first read of the store when failClosedAfterMs is set (the store down from boot)', async () => {
    const store = flakyStore();
    store.down = true;
    const a = list({ store, failClosedAfterMs: 5000 });
    mock.timers.tick(200);
    await settle();
    assert.equal(a.check({ sub: 'user_2', iat: NOW_SEC }), 'unavailable');
  });

  test('fails closed while its first read is still in flight, even with failClosedAfterMs 1', async () => {
    const store = memoryStore();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = { ...store, feed: { ...store.feed!, read: async (name: string, cursor: number) => (await gate, store.feed!.read(name, cursor)) } };
    const a = list({ store: slow, failClosedAfterMs: 1, syncIntervalMs: 0 });
    assert.equal(a.check({ sub: 'user_2', iat: NOW_SEC }), 'unavailable');
    release();
    await a.ready();
    assert.equal(a.check({ sub: 'user_2', iat: NOW_SEC }), undefined);
  });

  test('fails closed when idle past failClosedAfterMs with no timer (syncIntervalMs 0, a Workers isolate): judged at the check', async () => {
    const a = list({ store: memoryStore(), failClosedAfterMs: 2000, syncIntervalMs: 0 });
    await a.ready();
    mock.timers.tick(2000);
    assert.equal(a.check({ sub: 'user_2', iat: NOW_SEC }), undefined, 'at the bound');
    mock.timers.tick(1);
    assert.equal(a.check({ sub: 'user_2', iat: NOW_SEC }), 'unavailable');
  });

  test('syncIfOlderThan reads the store only when the copy is older than the bound, so a revocation made elsewhere is seen within it', async () => {
    const store = memoryStore();
    let reads = 0;
    const counting = { ...store, feed: { ...store.feed!, read: (name: string, cursor: number) => (reads++, store.feed!.read(name, cursor)) } };
    const a = list({ store, syncIntervalMs: 0, subscribe: false });
    const b = list({ store: counting, syncIntervalMs: 0, subscribe: false, failClosedAfterMs: 10_000 });
    await b.ready();
    const afterReady = reads;
    await b.syncIfOlderThan(1000);
    assert.equal(reads, afterReady, 'a copy read just now is not read again');
    await a.revokeUser('user_1');
    mock.timers.tick(1000);
    await b.syncIfOlderThan(1000);
    assert.equal(b.check(before(10)), undefined, 'at the bound the copy still serves');
    mock.timers.tick(1);
    await b.syncIfOlderThan(1000);
    assert.equal(reads, afterReady + 1);
    assert.equal(b.check(before(10)), 'sub');
  });

  test('ready() resolves false within its bound while the store is down, and true once a read succeeds', async () => {
    const store = flakyStore();
    store.down = true;
    const a = list({ store });
    const outcome = a.ready();
    mock.timers.tick(DEFAULT_READY_TIMEOUT_MS);
    assert.equal(await outcome, false);
    await settle(); // the failed read finishes
    store.down = false;
    const second = a.ready();
    mock.timers.tick(DEFAULT_SYNC_INTERVAL_MS);
    assert.equal(await second, true);
  });

  test('ignores a feed entry dated in the future beyond the tolerance, and says so in an event', async () => {
    const store = memoryStore();
    const events: AuthEvent[] = [];
    await store.feed!.append('revocation', JSON.stringify({ by: 'all', id: '*', at: Number.MAX_SAFE_INTEGER }), 3_660_000);
    await store.feed!.append('revocation', JSON.stringify({ by: 'sub', id: 'user_1', at: NOW_SEC + 3600 }), 3_660_000);
    const a = list({ store, onEvent: (event) => events.push(event) });
    await a.ready();
    assert.equal(a.check({ sub: 'user_1', iat: NOW_SEC }), undefined, 'a new token of that user passes');
    assert.equal(a.check({ sub: 'user_3', iat: NOW_SEC + 1 }), undefined);
    assert.deepEqual(events.filter((event) => event.type === 'store-value-ignored'), Array(2).fill({ type: 'store-value-ignored', operation: 'revocation-read', reason: 'a revocation dated in the future beyond the tolerance' }));
  });

  test('keeps a token revocation read from the store no longer than a token valid at its time can live, whatever exp it names', async () => {
    const store = memoryStore();
    await store.feed!.append('revocation', JSON.stringify({ by: 'jti', id: 'jti_1', at: NOW_SEC, exp: Number.MAX_SAFE_INTEGER }), 3_660_000);
    const a = list({ store, maxTokenLifetimeSec: 600, toleranceSec: 0 });
    await a.ready();
    assert.equal(a.isRevoked({ jti: 'jti_1' }), true);
    mock.timers.tick(600_000 + REVOCATION_RECONCILE_INTERVAL_MS);
    await settle();
    assert.equal(a.size().tokens, 0);
  });

  test('refuses a token issued up to clockToleranceSec after a user revocation (an issuer whose clock is ahead)', async () => {
    const a = list({ store: memoryStore() });
    await a.revokeUser('user_1');
    assert.equal(a.check({ sub: 'user_1', iat: NOW_SEC + 5 }, 60), 'sub');
    assert.equal(a.check({ sub: 'user_1', iat: NOW_SEC + 61 }, 60), undefined);
    assert.equal(a.check({ sub: 'user_1', iat: NOW_SEC + 5 }), undefined, 'without tolerance, the next second passes');
  });

  describe('the feed is the source of truth', () => {
    /** A feed under the spec's hand: entries can be deleted, and pushed without being appended (a bare PUBLISH). */
    function handFeed() {
      const entries: string[] = [];
      const listeners = new Set<(entry: string) => void>();
      const store = memoryStore();
      const hand = {
        entries,
        publish: (entry: string) => listeners.forEach((listener) => listener(entry)),
        store: {
          ...store,
          feed: {
            async append(_name: string, entry: string) {
              entries.push(entry);
              hand.publish(entry);
            },
            async read(_name: string, cursor: number): Promise<FeedPage> {
              return { entries: entries.slice(cursor), cursor: entries.length };
            },
            async subscribe(_name: string, listener: (entry: string) => void) {
              listeners.add(listener);
              return async () => void listeners.delete(listener);
            },
          },
        } satisfies Store,
      };
      return hand;
    }

    test('drops an entry deleted from the store at the next reconcile', async () => {
      const hand = handFeed();
      const other = list({ store: hand.store });
      const a = list({ store: hand.store });
      await Promise.all([a.ready(), other.ready()]);
      await other.revokeUser('user_1');
      mock.timers.tick(DEFAULT_SYNC_INTERVAL_MS);
      await settle();
      assert.equal(a.check(before(10)), 'sub');
      hand.entries.splice(0);
      mock.timers.tick(REVOCATION_RECONCILE_INTERVAL_MS);
      await settle();
      assert.equal(a.check(before(10)), undefined);
    });

    test('drops a revocation that was only pushed, never appended, at the next reconcile', async () => {
      const hand = handFeed();
      const a = list({ store: hand.store });
      await a.ready();
      await settle(); // subscribed
      hand.publish(JSON.stringify({ by: 'all', id: '*', at: NOW_SEC }));
      assert.equal(a.check(before(10)), 'all');
      mock.timers.tick(REVOCATION_RECONCILE_INTERVAL_MS);
      await settle();
      assert.equal(a.check(before(10)), undefined);
    });

    test('keeps through a reconcile its own revocation the store could not take', async () => {
      const store = flakyStore();
      const a = list({ store });
      await a.ready();
      store.down = true;
      await assert.rejects(a.revokeUser('user_1'));
      store.down = false;
      mock.timers.tick(REVOCATION_RECONCILE_INTERVAL_MS);
      await settle();
      assert.equal(a.check(before(10)), 'sub');
    });
  });
});
