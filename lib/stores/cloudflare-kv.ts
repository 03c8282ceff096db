/**
 * A store over a Cloudflare Workers KV namespace binding (`env.MY_KV`). What it
 * promises, and what it does not: KV is eventually consistent (a write may
 * take 60 s or more to reach other locations), its smallest TTL is 60 s
 * (`expirationTtl`), and `setIfAbsent` is a read then a write, NOT atomic. Fit
 * for sharing what may be a little old (a verified JWKS); not for revocation,
 * which needs every instance to see a write within a bound, nor for replay
 * protection, which needs an atomic set-if-absent. It has no feed, and
 * `createRevocationList` refuses it with a `TypeError`.
 * @see https://developers.cloudflare.com/kv/concepts/how-kv-works/
 * @see https://developers.cloudflare.com/kv/api/write-key-value-pairs/#expiring-keys
 * @module
 */
import { withStoreIntegrity } from './integrity.js';
import type { Store } from './store.js';

/** KV's smallest `expirationTtl`, in ms. */
export const KV_MIN_TTL_MS = 60_000;

/** The part of a `KVNamespace` binding this store uses. */
export interface KvNamespaceLike {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options: { expirationTtl: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Options of the KV store. */
export interface CloudflareKvStoreOptions {
  /** Prepended to every key. Default: `logto-authkit:`. */
  prefix?: string;
  /** A secret that tags what is written and refuses what is read without a valid tag (`withStoreIntegrity`). Default: none. */
  integrityKey?: string | readonly string[];
}

/** A store over a KV namespace binding. A TTL under 60 s is raised to 60 s. Default: keys under `logto-authkit:`. */
export function cloudflareKvStore(namespace: KvNamespaceLike, options: CloudflareKvStoreOptions = {}): Store {
  if (typeof namespace !== 'object' || namespace === null || typeof namespace.get !== 'function' || typeof namespace.put !== 'function') {
    throw new TypeError('logto-authkit: cloudflareKvStore takes a KV namespace binding (env.MY_KV)');
  }
  const prefix = options.prefix ?? 'logto-authkit:';
  const expirationTtl = (ttlMs: number) => Math.ceil(Math.max(ttlMs, KV_MIN_TTL_MS) / 1000);
  const store: Store = Object.freeze({
    capabilities: Object.freeze({ consistency: 'eventual', atomicSetIfAbsent: false, minTtlMs: KV_MIN_TTL_MS } as const),
    async get(key: string) {
      return (await namespace.get(prefix + key)) ?? undefined;
    },
    async set(key: string, value: string, ttlMs: number) {
      await namespace.put(prefix + key, value, { expirationTtl: expirationTtl(ttlMs) });
    },
    // not atomic: two instances may both see the key absent and both write it
    async setIfAbsent(key: string, value: string, ttlMs: number) {
      if ((await namespace.get(prefix + key)) !== null) return false;
      await namespace.put(prefix + key, value, { expirationTtl: expirationTtl(ttlMs) });
      return true;
    },
    async delete(key: string) {
      await namespace.delete(prefix + key);
    },
  });
  return options.integrityKey === undefined ? store : withStoreIntegrity(store, options.integrityKey);
}
