/**
 * The one interface every shared store implements: small enough to wrap any
 * client the user already runs (node-redis, ioredis, Upstash REST, a
 * Cloudflare KV binding, or memory), so the library keeps zero dependencies.
 * Values are strings; TTLs are milliseconds. Each store file says in its
 * header what it promises (atomic set-if-absent, consistency, minimum TTL).
 * @module
 */

/** What a store guarantees, so a feature can refuse a store that cannot carry it. */
export interface StoreCapabilities {
  /**
   * `strong`: a write is seen by every reader once it returns (Redis).
   * `eventual`: readers may see an old value for a while (Cloudflare KV: up to
   * 60 s); fit for sharing keys, not for revocation.
   */
  consistency: 'strong' | 'eventual';
  /** `setIfAbsent` is atomic across every instance (replay protection needs it). */
  atomicSetIfAbsent: boolean;
  /** Smallest TTL the store honours, in ms; a shorter one is raised to it. */
  minTtlMs: number;
}

/** A shared key-value store with expiry. Every method may reject when the store is down. */
export interface Store {
  readonly capabilities: StoreCapabilities;
  /** The value of `key`, or `undefined` when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Sets `key` to `value` for `ttlMs`. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets `key` only when absent; `true` when this call set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Removes `key`; absent is fine. */
  delete(key: string): Promise<void>;
}
