// lib/stores/redis.ts (and redis-commands.ts) against a real redis-server,
// through both clients the store duck-types: node-redis 5 and ioredis 5.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import IORedis from 'ioredis';
import { redisStore } from '../../lib/stores/redis.ts';
import { redisCommandStore } from '../../lib/stores/redis-commands.ts';
import type { Store } from '../../lib/stores/store.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';

let redis: RedisServer;
let nodeRedis: ReturnType<typeof createClient>;
let ioRedis: IORedis;

before(async () => {
  redis = await startRedisServer();
  nodeRedis = createClient({ url: redis.url });
  nodeRedis.on('error', () => undefined);
  await nodeRedis.connect();
  ioRedis = new IORedis(redis.port, '127.0.0.1');
});
after(async () => {
  nodeRedis?.destroy();
  ioRedis?.disconnect();
  await redis?.stop();
});

const clients = [
  { name: 'node-redis 5', store: (prefix: string) => redisStore(nodeRedis, { prefix }) },
  { name: 'ioredis 5', store: (prefix: string) => redisStore(ioRedis, { prefix }) },
];

function waitFor<T>(register: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise((resolve) => register(resolve));
}

for (const client of clients) {
  describe(`redisStore over ${client.name}`, () => {
    let store: Store;
    let prefix: string;
    before(() => {
      prefix = `spec:${client.name}:`;
      store = client.store(prefix);
    });

    test('promises strong consistency, an atomic set-if-absent and 1 ms TTLs', () => {
      assert.deepEqual({ ...store.capabilities }, { consistency: 'strong', atomicSetIfAbsent: true, minTtlMs: 1 });
    });

    test('sets, gets and deletes a value under its prefix', async () => {
      await store.set('k', 'v', 60_000);
      assert.equal(await store.get('k'), 'v');
      assert.equal(await nodeRedis.get(`${prefix}k`), 'v');
      const ttl = await nodeRedis.pTTL(`${prefix}k`);
      assert.ok(ttl > 0 && ttl <= 60_000, `PTTL ${ttl}`);
      await store.delete('k');
      assert.equal(await store.get('k'), undefined);
      await store.delete('never-set');
    });

    test('lets a value expire after its TTL', async () => {
      await store.set('short', 'v', 20);
      await new Promise((resolve) => setTimeout(resolve, 60));
      assert.equal(await store.get('short'), undefined);
    });

    test('sets a key if absent for exactly one of 20 concurrent callers', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.setIfAbsent('once', String(i), 60_000)));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await store.setIfAbsent('once', 'again', 60_000), false);
    });

    test('reads a feed from a cursor: everything first, then only what is new', async () => {
      const feed = store.feed!;
      await feed.append('f1', 'a', 60_000);
      await feed.append('f1', 'b', 60_000);
      const first = await feed.read('f1', 0);
      assert.deepEqual(first.entries, ['a', 'b']);
      assert.deepEqual((await feed.read('f1', first.cursor)).entries, []);
      await feed.append('f1', 'c', 60_000);
      const next = await feed.read('f1', first.cursor);
      assert.deepEqual(next.entries, ['c']);
      assert.ok(next.cursor > first.cursor);
    });

    test('orders 50 concurrent appends with unique, growing scores, so no reader skips one', async () => {
      const feed = store.feed!;
      await Promise.all(Array.from({ length: 50 }, (_, i) => feed.append('f2', `e${i}`, 60_000)));
      const page = await feed.read('f2', 0);
      assert.equal(new Set(page.entries).size, 50);
      const scores = await nodeRedis.sendCommand<string[]>(['ZRANGE', `${prefix}f2`, '0', '-1', 'WITHSCORES']);
      const values = scores.filter((_, i) => i % 2 === 1).map(Number);
      assert.equal(new Set(values).size, 50, 'every score is unique');
    });

    test('drops feed entries older than the kept window', async () => {
      const feed = store.feed!;
      await feed.append('f3', 'old', 30);
      await new Promise((resolve) => setTimeout(resolve, 80));
      await feed.append('f3', 'new', 30);
      assert.deepEqual((await feed.read('f3', 0)).entries, ['new']);
    });

    test('reads a feed that went back (restarted empty, then written) from the start', async () => {
      const feed = store.feed!;
      await feed.append('f4', 'before', 60_000);
      const { cursor } = await feed.read('f4', 0);
      // what a Redis restarted empty on a host whose clock is behind would hold
      await nodeRedis.del(`${prefix}f4`);
      await nodeRedis.sendCommand(['ZADD', `${prefix}f4`, String(cursor - 10_000), 'after-restart']);
      assert.deepEqual((await feed.read('f4', cursor)).entries, ['after-restart']);
    });

    test('keeps reading the feed, new entries included, after a member with an infinite or huge score was written into it', async () => {
      const feed = store.feed!;
      await feed.append('f4', 'a', 60_000);
      const first = await feed.read('f4', 0);
      for (const score of ['+inf', '1e300']) {
        await nodeRedis.sendCommand(['ZADD', `${prefix}f4`, score, `forged ${score}`]);
        await feed.append('f4', `after ${score}`, 60_000);
        const page = await feed.read('f4', first.cursor);
        assert.ok(page.entries.includes(`after ${score}`), `${score}: ${JSON.stringify(page.entries)}`);
        assert.ok(Number.isSafeInteger(page.cursor), `${score}: cursor ${page.cursor}`);
      }
    });

    test('pushes every appended entry to a subscriber on its own connection', async () => {
      const feed = store.feed!;
      const received: string[] = [];
      let onTwo: () => void = () => undefined;
      const stop = await feed.subscribe!('f5', (entry) => {
        received.push(entry);
        if (received.length === 2) onTwo();
      }, () => undefined);
      const both = waitFor<void>((resolve) => (onTwo = resolve));
      // appended through the other client: the push crosses connections
      const other = client.name.startsWith('node') ? redisStore(ioRedis, { prefix }) : redisStore(nodeRedis, { prefix });
      await other.feed!.append('f5', 'x', 60_000);
      await other.feed!.append('f5', 'y', 60_000);
      await both;
      await stop();
      assert.deepEqual(received, ['x', 'y']);
    });
  });
}

describe('redisStore', () => {
  test('refuses something that is neither client with a TypeError', () => {
    assert.throws(() => redisStore({} as never), TypeError);
    assert.throws(() => redisStore({ get: () => undefined } as never), /node-redis client \(sendCommand\) or an ioredis client \(call\)/);
  });

  test('fails a command that does not answer within timeoutMs instead of hanging (a client queueing while offline)', async () => {
    const store = redisCommandStore(() => new Promise(() => undefined), { timeoutMs: 20 });
    await assert.rejects(store.get('k'), /did not answer GET within 20 ms/);
  });

  test('refuses a bad prefix or timeout with a TypeError', () => {
    assert.throws(() => redisCommandStore(async () => null, { prefix: 1 as never }), TypeError);
    assert.throws(() => redisCommandStore(async () => null, { timeoutMs: 0 }), TypeError);
  });
});
