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
  /**
   * A shared, ordered feed, present when the store can carry revocation
   * (memory, Redis, Upstash; not Cloudflare KV).
   */
  readonly feed?: StoreFeed;
}

/**
 * An append-only log of short strings that every instance reads, ordered by
 * the store (not by the writers' clocks), with push where the store has it.
 * Revocation syncs through it: a key per revoked entry would need a scan to
 * list, which Redis answers in O(all keys) and KV only eventually, while one
 * ordered feed answers "what is new since my cursor" in one round trip.
 * Re-reading an entry is harmless: readers apply entries idempotently.
 */
export interface StoreFeed {
  /** Appends `entry` to the feed `name` and pushes it to subscribers; entries older than `keepMs` (store time) are dropped. */
  append(name: string, entry: string, keepMs: number): Promise<void>;
  /**
   * Entries at or after `cursor` (`0`: every entry kept), oldest first, and the
   * cursor for the next read. A feed that went back (a store restarted empty)
   * is read from the start again.
   */
  read(name: string, cursor: number): Promise<FeedPage>;
  /**
   * Calls `listener` with every entry appended from now on, by any instance;
   * resolves to a function that stops it. `onError` hears connection trouble.
   * Absent: readers poll alone.
   */
  subscribe?(name: string, listener: (entry: string) => void, onError: (error: unknown) => void): Promise<() => Promise<void>>;
}

/** One read of a feed. */
export interface FeedPage {
  entries: string[];
  /** Pass to the next `read`. */
  cursor: number;
  /** Entries left out because they carry no valid integrity tag (`withStoreIntegrity`). Default: none. */
  ignored?: number;
}
