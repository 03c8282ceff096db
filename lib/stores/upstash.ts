/**
 * A store over Upstash Redis's REST API, with `fetch` alone, so it runs on the
 * edge (Workers, Vercel edge, Deno, Bun) where no TCP client can. Each command
 * is one `POST` of a JSON array (`["SET", "k", "v"]`) to the database's REST
 * URL with `Authorization: Bearer <token>`; the answer is `{ "result": ... }`
 * or `{ "error": "..." }`. What it promises: what Redis does (strong
 * consistency on the primary, an atomic `setIfAbsent`, TTLs down to 1 ms, the
 * feed), but no push: REST has no long-lived subscription, so a revocation
 * list over Upstash learns of a revocation by polling (`syncIntervalMs`).
 * @see https://upstash.com/docs/redis/features/restapi
 * @module
 */
import { redisCommandStore, type RedisStoreOptions } from './redis-commands.js';
import type { Store } from './store.js';

/** Where the Upstash database is and how to reach it. */
export interface UpstashStoreOptions extends RedisStoreOptions {
  /** The database's REST URL, e.g. `https://us1-merry-cat-32748.upstash.io` (`UPSTASH_REDIS_REST_URL`). Required. */
  url: string;
  /** The database's REST token (`UPSTASH_REDIS_REST_TOKEN`). Required. Never put in an error message. */
  token: string;
  /** Used for every request. Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/**
 * A store over Upstash's REST API. Default: keys under `logto-authkit:`, 2000 ms
 * per command, `globalThis.fetch`.
 */
export function upstashStore(options: UpstashStoreOptions): Store {
  if (typeof options !== 'object' || options === null) throw new TypeError('logto-authkit: upstashStore takes { url, token }');
  const { url, token } = options;
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) throw new TypeError('logto-authkit: upstashStore url must be the database REST URL (https://...)');
  if (typeof token !== 'string' || token === '') throw new TypeError('logto-authkit: upstashStore token is required');
  const send = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const endpoint = url.replace(/\/+$/, '');

  return redisCommandStore(async (args, signal) => {
    const response = await send(endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(args),
      signal,
    });
    const reply = (await response.json().catch(() => undefined)) as { result?: unknown; error?: unknown } | undefined;
    if (!response.ok || reply === undefined || reply.error !== undefined) {
      // Only the Redis error code (`ERR`, `WRONGTYPE`, `NOAUTH`...) is kept: the
      // server's text may echo the request, its values and its credentials
      const code = typeof reply?.error === 'string' ? /^[A-Z]{2,16}\b/.exec(reply.error)?.[0] : undefined;
      throw new Error(`upstash answered ${args[0]} with HTTP ${response.status}${code ? ` (${code})` : ''}`);
    }
    return reply.result ?? null;
  }, options);
}
