/**
 * A `Store` over one function that sends a Redis command and returns its
 * reply: what `redis.ts` (node-redis, ioredis) and `upstash.ts` (REST) share.
 * What it promises, on one Redis primary: strong consistency, an atomic
 * `setIfAbsent` (`SET NX PX`), TTLs down to 1 ms, and a feed kept in one sorted
 * set, ordered by the Redis server's clock (never the writers'), appended and
 * pruned by one Lua script so no reader sees half of an append.
 * @see https://redis.io/docs/latest/commands/set/
 * @see https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 * @module
 */
import { withStoreIntegrity } from './integrity.js';
import type { FeedPage, Store, StoreFeed } from './store.js';

/** Sends one command (`['SET', key, value]`) and resolves to its reply; rejects when the store is down. `signal` aborts when the command timed out. */
export type RedisCommand = (args: string[], signal: AbortSignal) => Promise<unknown>;

/** Default wait for one command before it counts as failed, in ms (a client that queues commands while offline would otherwise hang). */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;

/** Default prefix of every key and channel. */
export const REDIS_KEY_PREFIX = 'logto-authkit:';

/** Options shared by the Redis-protocol stores. */
export interface RedisStoreOptions {
  /** Prepended to every key and channel, so several apps can share one Redis. Default: `logto-authkit:`. */
  prefix?: string;
  /** How long one command may take before it fails, in ms. Default: `2000`. */
  timeoutMs?: number;
  /**
   * A secret (at least 32 characters, the same on every instance; a list to
   * rotate) that tags everything written and refuses what is read back without
   * a valid tag (`withStoreIntegrity`), so write access to the keyspace alone
   * cannot forge keys, cooldown claims or revocations. Default: none (the
   * store is trusted).
   */
  integrityKey?: string | readonly string[];
}

/** Subscribes to a channel on a connection of its own; resolves to a function that stops it. */
export type RedisSubscribe = (channel: string, listener: (message: string) => void, onError: (error: unknown) => void) => Promise<() => Promise<void>>;

// Feed scores are the server's milliseconds: far below this, and exact in a double.
const SCORE_LIMIT = 2 ** 52;

// Appends ARGV[1] with the server's time as its score, bumped past the newest
// entry so scores are unique and only grow (a reader's cursor never skips an
// entry, even when two appends share a millisecond), drops entries older than
// ARGV[2] ms, and publishes the entry on ARGV[3]. Scripts run atomically and
// are replicated by effects (Redis >= 5), so TIME inside one is allowed.
// A member scored at or past 2^52 (inf, 1e300: not written by this script)
// is dropped first, so scores and cursors stay exact integers.
const APPEND_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local score = now
redis.call('ZREMRANGEBYSCORE', KEYS[1], '${SCORE_LIMIT}', '+inf')
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if top[2] and tonumber(top[2]) >= score then score = tonumber(top[2]) + 1 end
redis.call('ZADD', KEYS[1], string.format('%.0f', score), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('(%.0f', now - tonumber(ARGV[2])))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[1])
return 1
`;

// Entries with a score >= ARGV[1], with their scores. When the newest entry is
// older than the cursor, the feed went back (a Redis restarted empty, a
// failover to a replica that missed writes): read it all again. Members
// scored at or past 2^52 are left out, as the append script drops them.
const READ_SCRIPT = `
local cursor = tonumber(ARGV[1])
local top = redis.call('ZREVRANGEBYSCORE', KEYS[1], '(${SCORE_LIMIT}', '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
if not top[2] then return {} end
if tonumber(top[2]) < cursor - 1 then cursor = 0 end
return redis.call('ZRANGEBYSCORE', KEYS[1], string.format('%.0f', cursor), '(${SCORE_LIMIT}', 'WITHSCORES')
`;

/** A `Store` (with a feed) over `send`; `subscribe`, when given, pushes feed entries. */
export function redisCommandStore(send: RedisCommand, options: RedisStoreOptions = {}, subscribe?: RedisSubscribe): Store {
  const prefix = options.prefix ?? REDIS_KEY_PREFIX;
  const timeoutMs = options.timeoutMs ?? REDIS_COMMAND_TIMEOUT_MS;
  if (typeof prefix !== 'string') throw new TypeError('logto-authkit: the store prefix must be a string');
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) throw new TypeError('logto-authkit: the store timeoutMs must be a number of milliseconds > 0');
  const command = (args: string[]) => withTimeout((signal) => send(args, signal), timeoutMs, args[0]!);
  const ttl = (ttlMs: number) => String(Math.max(1, Math.ceil(ttlMs)));

  const feed: StoreFeed = {
    async append(name, entry, keepMs) {
      const key = prefix + name;
      await command(['EVAL', APPEND_SCRIPT, '1', key, entry, ttl(keepMs), key]);
    },
    async read(name, cursor): Promise<FeedPage> {
      const reply = await command(['EVAL', READ_SCRIPT, '1', prefix + name, String(cursor)]);
      if (!Array.isArray(reply)) throw new Error(`unexpected reply to the feed read: ${typeof reply}`);
      const entries: string[] = [];
      let next = cursor;
      for (let i = 0; i + 1 < reply.length; i += 2) {
        entries.push(String(reply[i]));
        const score = Number(reply[i + 1]);
        if (Number.isSafeInteger(score)) next = score + 1;
      }
      return { entries, cursor: next };
    },
  };
  if (subscribe) feed.subscribe = (name, listener, onError) => subscribe(prefix + name, listener, onError);

  const store: Store = Object.freeze({
    capabilities: Object.freeze({ consistency: 'strong', atomicSetIfAbsent: true, minTtlMs: 1 } as const),
    async get(key: string) {
      const value = await command(['GET', prefix + key]);
      return value === null || value === undefined ? undefined : String(value);
    },
    async set(key: string, value: string, ttlMs: number) {
      await command(['SET', prefix + key, value, 'PX', ttl(ttlMs)]);
    },
    async setIfAbsent(key: string, value: string, ttlMs: number) {
      // SET NX answers OK when it set the key, nil when the key was there
      return (await command(['SET', prefix + key, value, 'PX', ttl(ttlMs), 'NX'])) !== null;
    },
    async delete(key: string) {
      await command(['DEL', prefix + key]);
    },
    feed: Object.freeze(feed),
  });
  return options.integrityKey === undefined ? store : withStoreIntegrity(store, options.integrityKey);
}

// the signal lets a transport that can (fetch) drop a command that timed out,
// so a store that hangs does not collect open sockets
function withTimeout<T>(start: (signal: AbortSignal) => Promise<T>, timeoutMs: number, name: string): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`the store did not answer ${name} within ${timeoutMs} ms`));
      controller.abort();
    }, timeoutMs);
  });
  const promise = start(controller.signal);
  promise.catch(() => undefined); // the answer after the deadline is nobody's to hear
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
