// A Cloudflare Worker's bindings, as a block reads them from `env`.
import type { KvNamespaceLike } from 'logto-authkit';
declare const env: { UPSTASH_REDIS_REST_URL: string; UPSTASH_REDIS_REST_TOKEN: string; MY_KV: KvNamespaceLike };
