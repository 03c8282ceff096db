import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { memoryStore } from '../../lib/stores/memory.ts';

const NOW = Date.UTC(2030, 0, 1);

describe('memoryStore', () => {
  beforeEach(() => mock.timers.enable({ apis: ['Date'], now: NOW }));
  afterEach(() => mock.timers.reset());

  test('promises strong consistency, an atomic set-if-absent and 1 ms TTLs', () => {
    assert.deepEqual({ ...memoryStore().capabilities }, { consistency: 'strong', atomicSetIfAbsent: true, minTtlMs: 1 });
  });

  test('serves a value until its TTL has passed, then forgets it', async () => {
    const store = memoryStore();
    await store.set('k', 'v', 1000);
    mock.timers.tick(999);
    assert.equal(await store.get('k'), 'v');
    mock.timers.tick(1);
    assert.equal(await store.get('k'), undefined);
  });

  test('sets if absent once, and again once the first value expired', async () => {
    const store = memoryStore();
    assert.equal(await store.setIfAbsent('k', 'a', 1000), true);
    assert.equal(await store.setIfAbsent('k', 'b', 1000), false);
    assert.equal(await store.get('k'), 'a');
    mock.timers.tick(1000);
    assert.equal(await store.setIfAbsent('k', 'c', 1000), true);
  });

  test('deletes a key, and shares nothing between two stores', async () => {
    const one = memoryStore();
    const two = memoryStore();
    await one.set('k', 'v', 1000);
    assert.equal(await two.get('k'), undefined);
    await one.delete('k');
    assert.equal(await one.get('k'), undefined);
  });

  test('reads its feed from a cursor and pushes appends to subscribers', async () => {
    const feed = memoryStore().feed!;
    const pushed: string[] = [];
    const stop = await feed.subscribe!('f', (entry) => pushed.push(entry), () => undefined);
    await feed.append('f', 'a', 60_000);
    const first = await feed.read('f', 0);
    assert.deepEqual(first.entries, ['a']);
    await feed.append('f', 'b', 60_000);
    await stop();
    await feed.append('f', 'c', 60_000);
    assert.deepEqual((await feed.read('f', first.cursor)).entries, ['b', 'c']);
    assert.deepEqual(pushed, ['a', 'b']);
  });

  test('drops feed entries older than the kept window on the next append', async () => {
    const feed = memoryStore().feed!;
    await feed.append('f', 'old', 1000);
    mock.timers.tick(1000);
    await feed.append('f', 'new', 1000);
    assert.deepEqual((await feed.read('f', 0)).entries, ['new']);
  });

  test('keeps exactly the window across many appends, and every cursor reads on from where it stopped', async () => {
    const feed = memoryStore().feed!;
    let cursor = 0;
    const seen: string[] = [];
    for (let i = 0; i < 5000; i++) {
      await feed.append('f', `e${i}`, 1000);
      mock.timers.tick(1);
      if (i % 97 === 0) {
        const page = await feed.read('f', cursor);
        seen.push(...page.entries);
        cursor = page.cursor;
      }
    }
    const last = await feed.read('f', cursor);
    seen.push(...last.entries);
    assert.deepEqual(seen.slice(-3), ['e4997', 'e4998', 'e4999']);
    const all = (await feed.read('f', 0)).entries;
    assert.equal(all.length, 999, 'appended in the last 1000 ms (one per ms), the oldest of them at the edge dropped');
    assert.equal(all[0], 'e4001');
    assert.equal((await feed.read('f', last.cursor)).entries.length, 0);
  });
});

