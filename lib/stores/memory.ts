/**
 * The in-memory store: one process, the default. What it promises: strong
 * consistency and an atomic `setIfAbsent` inside this process (JavaScript runs
 * one callback at a time), any TTL down to 1 ms, and a feed with push. It
 * shares nothing with other processes: a fleet needs Redis or Upstash.
 * Expired entries are dropped when read and swept every
 * `MEMORY_SWEEP_EVERY_WRITES` writes, so a stream of one-off keys (replay
 * protection) cannot grow it without bound.
 * @module
 */
import type { FeedPage, Store, StoreFeed } from './store.js';

/** Writes between two sweeps of expired entries. */
export const MEMORY_SWEEP_EVERY_WRITES = 1024;

interface Held {
  value: string;
  expiresAt: number;
}

interface FeedEntry {
  seq: number;
  at: number;
  entry: string;
}

/**
 * A store in this process's memory. Each call makes a separate store; pass the
 * same one to everything that must share state (tests run several revocation
 * lists over one memory store to play a fleet).
 */
export function memoryStore(): Store {
  const values = new Map<string, Held>();
  let writes = 0;

  const live = (key: string, now: number): Held | undefined => {
    const held = values.get(key);
    if (held !== undefined && held.expiresAt <= now) {
      values.delete(key);
      return undefined;
    }
    return held;
  };
  const write = (key: string, value: string, ttlMs: number, now: number): void => {
    if (++writes % MEMORY_SWEEP_EVERY_WRITES === 0) for (const [name, held] of values) if (held.expiresAt <= now) values.delete(name);
    values.set(key, { value, expiresAt: now + Math.max(1, ttlMs) });
  };

  return Object.freeze({
    capabilities: Object.freeze({ consistency: 'strong', atomicSetIfAbsent: true, minTtlMs: 1 } as const),
    async get(key: string) {
      return live(key, Date.now())?.value;
    },
    async set(key: string, value: string, ttlMs: number) {
      write(key, value, ttlMs, Date.now());
    },
    async setIfAbsent(key: string, value: string, ttlMs: number) {
      const now = Date.now();
      if (live(key, now) !== undefined) return false;
      write(key, value, ttlMs, now);
      return true;
    },
    async delete(key: string) {
      values.delete(key);
    },
    feed: memoryFeed(),
  });
}

function memoryFeed(): StoreFeed {
  const feeds = new Map<string, Kept>();
  const listeners = new Map<string, Set<(entry: string) => void>>();
  // a sequence, not a clock: the cursor never skips an entry, however the clock moves
  let seq = 0;

  return Object.freeze({
    async append(name: string, entry: string, keepMs: number) {
      const now = Date.now();
      let kept = feeds.get(name);
      if (!kept) feeds.set(name, (kept = { items: [], head: 0, keepMs }));
      kept.items.push({ seq: ++seq, at: now, entry });
      // the window of the last append, so a read drops what Redis would have pruned
      kept.keepMs = keepMs;
      prune(kept, now);
      for (const listener of listeners.get(name) ?? []) {
        try {
          listener(entry);
        } catch {
          // one subscriber's failure is not the writer's
        }
      }
    },
    async read(name: string, cursor: number): Promise<FeedPage> {
      const kept = feeds.get(name);
      if (!kept) return { entries: [], cursor };
      prune(kept, Date.now());
      const items = kept.items.slice(Math.max(kept.head, firstAtOrAfter(kept.items, cursor)));
      return { entries: items.map((item) => item.entry), cursor: items.length === 0 ? cursor : items[items.length - 1]!.seq + 1 };
    },
    async subscribe(name: string, listener: (entry: string) => void) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      const own = (entry: string) => listener(entry);
      set.add(own);
      return async () => void set.delete(own);
    },
  });
}

// Entries are appended oldest first, so pruning only moves `head` past the
// expired ones: an append costs O(1) amortized, not a pass over the feed. The
// array is compacted once the dead prefix outweighs the live part.
interface Kept {
  items: FeedEntry[];
  head: number;
  keepMs: number;
}

function prune(kept: Kept, now: number): void {
  const oldest = now - kept.keepMs;
  while (kept.head < kept.items.length && kept.items[kept.head]!.at <= oldest) kept.head++;
  if (kept.head > 0 && kept.head * 2 >= kept.items.length) {
    kept.items = kept.items.slice(kept.head);
    kept.head = 0;
  }
}

// the index of the first entry whose sequence is >= `cursor` (sequences only grow)
function firstAtOrAfter(items: FeedEntry[], cursor: number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (items[mid]!.seq < cursor) low = mid + 1;
    else high = mid;
  }
  return low;
}
