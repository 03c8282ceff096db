// lib/stores/cloudflare-kv.ts over a real KV namespace: Miniflare's (workerd's
// local KV), reached from Node through mf.getKVNamespace().
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Miniflare } from 'miniflare';
import { cloudflareKvStore, KV_MIN_TTL_MS, type KvNamespaceLike } from '../../lib/stores/cloudflare-kv.ts';
import { createRevocationList } from '../../lib/revocation/revocation-list.ts';

let mf: Miniflare;
let kv: KvNamespaceLike & { list(options: { prefix: string }): Promise<{ keys: { name: string; expiration?: number }[] }> };

before(async () => {
  mf = new Miniflare({ modules: true, script: 'export default { fetch() { return new Response("") } }', kvNamespaces: ['KV'], compatibilityDate: '2024-09-23' });
  kv = (await mf.getKVNamespace('KV')) as unknown as typeof kv;
});
after(() => mf?.dispose());

describe('cloudflareKvStore', () => {
  test('says it is eventually consistent, without an atomic set-if-absent, with a 60 s minimum TTL', () => {
    assert.deepEqual({ ...cloudflareKvStore(kv).capabilities }, { consistency: 'eventual', atomicSetIfAbsent: false, minTtlMs: 60_000 });
    assert.equal(cloudflareKvStore(kv).feed, undefined);
  });

  test('sets, gets and deletes a value under its prefix', async () => {
    const store = cloudflareKvStore(kv, { prefix: 'spec:' });
    await store.set('k', 'v', 120_000);
    assert.equal(await store.get('k'), 'v');
    assert.equal(await kv.get('spec:k'), 'v');
    await store.delete('k');
    assert.equal(await store.get('k'), undefined);
  });

  test('raises a TTL under 60 s to 60 s, which KV would refuse', async () => {
    const store = cloudflareKvStore(kv, { prefix: 'ttl:' });
    const before = Math.floor(Date.now() / 1000);
    await store.set('short', 'v', 1000);
    const [listed] = (await kv.list({ prefix: 'ttl:' })).keys;
    assert.ok(listed?.expiration !== undefined && listed.expiration >= before + KV_MIN_TTL_MS / 1000, `expiration ${listed?.expiration}`);
  });

  test('sets if absent, and not when present', async () => {
    const store = cloudflareKvStore(kv, { prefix: 'nx:' });
    assert.equal(await store.setIfAbsent('k', 'a', 60_000), true);
    assert.equal(await store.setIfAbsent('k', 'b', 60_000), false);
    assert.equal(await store.get('k'), 'a');
  });

  test('is refused for revocation with a TypeError', () => {
    assert.throws(() => createRevocationList({ store: cloudflareKvStore(kv) }), (error: Error) => error instanceof TypeError && /eventually consistent/.test(error.message));
  });

  test('refuses something that is not a KV binding with a TypeError', () => {
    assert.throws(() => cloudflareKvStore({} as never), TypeError);
  });
});
