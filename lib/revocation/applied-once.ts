/**
 * Applying a webhook delivery or a logout token once, without losing one that
 * failed: the mark "seen" is written only AFTER its revocations are applied
 * (locally and in the store). Marking first (set-if-absent, then revoke) loses
 * the revocation whenever the revoke fails: with Redis down, node-redis keeps
 * the queued "seen" write and runs it when Redis returns, so the sender's
 * retry is taken for a duplicate and nobody is revoked. Two copies arriving at
 * the same moment may both apply; revoking twice is harmless.
 * @module
 */
import type { Store } from '../stores/store.js';

/** What the handlers need of a store to remember what they applied. */
export type AppliedStore = Pick<Store, 'get' | 'setIfAbsent' | 'capabilities'>;

/** Throws `TypeError` for a store that cannot carry replay protection (no atomic set-if-absent: Cloudflare KV), as `markSeen` does. */
export function assertAppliedStore(store: unknown, option: string): void {
  const candidate = store as Partial<AppliedStore> | null;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.get !== 'function' || typeof candidate.setIfAbsent !== 'function') {
    throw new TypeError(`logto-authkit: ${option} must be a store (redisStore, upstashStore or memoryStore)`);
  }
  if (candidate.capabilities?.atomicSetIfAbsent !== true) {
    throw new TypeError(`logto-authkit: ${option} has no atomic set-if-absent (Cloudflare KV?), which replay protection needs; use redisStore, upstashStore or memoryStore`);
  }
}

/**
 * Runs `apply` unless `key` was already applied; marks `key` only once
 * `apply` resolved. Rejects when the store or `apply` fails, leaving `key`
 * unmarked so the retry applies it.
 */
export async function applyOnce<T>(store: AppliedStore, key: string, ttlMs: number, apply: () => Promise<T>): Promise<{ duplicate: true } | { duplicate: false; value: T }> {
  if ((await store.get(key)) !== undefined) return { duplicate: true };
  const value = await apply();
  await store.setIfAbsent(key, '1', ttlMs);
  return { duplicate: false, value };
}

/** An in-process store for one instance (the default): expired marks are dropped as new ones come. */
export function localAppliedStore(): AppliedStore {
  // insertion order is expiry order: every mark has the same TTL per handler
  const marks = new Map<string, number>();
  const drop = (now: number) => {
    for (const [key, until] of marks) {
      if (until > now) break;
      marks.delete(key);
    }
  };
  return {
    capabilities: { consistency: 'strong', atomicSetIfAbsent: true, minTtlMs: 0 },
    async get(key) {
      drop(Date.now());
      return marks.has(key) ? '1' : undefined;
    },
    async setIfAbsent(key, _value, ttlMs) {
      const now = Date.now();
      drop(now);
      if (marks.has(key)) return false;
      marks.set(key, now + ttlMs);
      return true;
    },
  };
}
