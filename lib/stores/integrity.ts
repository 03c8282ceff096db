/**
 * An integrity key for a shared store: every value and feed entry written
 * through it carries an HMAC-SHA-256 tag (through `crypto.subtle`, as Logto's
 * webhooks are signed), bound to the key or feed it was written under, and a
 * value read back without a valid tag is refused. Without it the store is a
 * trust anchor: whoever can write its keyspace can hand every instance a JWKS
 * of their own, claim the unknown-`kid` cooldown, and revoke any token. With
 * it, write access alone lets them delete or replay what the fleet wrote,
 * never forge it. What it promises: the wrapped store's consistency and
 * atomicity; a `get` of a value without a valid tag rejects with
 * `StoreIntegrityError` (the caller reports it and goes on without the value);
 * so does a `setIfAbsent` that finds a forged value in place; a feed read drops
 * such entries and counts them in `ignored`; a forged push reaches `onError`.
 * @see https://www.rfc-editor.org/rfc/rfc2104
 * @module
 */
import type { FeedPage, Store, StoreFeed } from './store.js';

/** Fewest characters of an integrity key: 32 random characters or bytes' worth (RFC 2104 §3: at least the hash output, 32 bytes for SHA-256). */
export const MIN_INTEGRITY_KEY_LENGTH = 32;

// "s1." then 64 hex characters of tag, ".", then the value itself
const TAG_PREFIX = 's1.';
const TAG_HEX_LENGTH = 64;

/** A value read from the store carried no valid integrity tag: written without the key, or altered. */
export class StoreIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreIntegrityError';
  }
}

/**
 * Wraps `store` so that everything it writes is tagged with `key` and
 * everything it reads must carry a valid tag. `key` is a secret of at least 32
 * characters, the same on every instance; a list signs with its first key and
 * accepts any of them (rotation: add the new key first, everywhere, then drop
 * the old one once every value was written again).
 */
export function withStoreIntegrity(store: Store, key: string | readonly string[]): Store {
  const keys = typeof key === 'string' ? [key] : key;
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string' && k.length >= MIN_INTEGRITY_KEY_LENGTH)) {
    throw new TypeError(`logto-authkit: integrityKey must be a secret of at least ${MIN_INTEGRITY_KEY_LENGTH} characters, or a list of them`);
  }
  // imported at first use: a store made at a Worker's global scope does no crypto there
  let imported: Promise<CryptoKey>[] | undefined;
  const hmac = () => (imported ??= hmacKeys(keys));
  const tag = async (scope: string, value: string) => TAG_PREFIX + hex(await crypto.subtle.sign('HMAC', await hmac()[0]!, bytes(scope, value))) + '.' + value;
  const open = (scope: string, tagged: string) => untag(hmac(), scope, tagged);
  // the scope binds a tag to where it was written: a tagged value moved to another key or feed is refused
  const keyScope = (name: string) => `key\n${name}`;
  const feedScope = (name: string) => `feed\n${name}`;

  const wrapped: { -readonly [K in keyof Store]: Store[K] } = {
    capabilities: store.capabilities,
    async get(name) {
      const value = await store.get(name);
      if (value === undefined) return undefined;
      const opened = await open(keyScope(name), value);
      if (opened === undefined) throw new StoreIntegrityError('a value read from the store carries no valid integrity tag');
      return opened;
    },
    async set(name, value, ttlMs) {
      await store.set(name, await tag(keyScope(name), value), ttlMs);
    },
    async setIfAbsent(name, value, ttlMs) {
      if (await store.setIfAbsent(name, await tag(keyScope(name), value), ttlMs)) return true;
      // the key is taken: by the fleet (false), or by a value forged in its place
      const held = await store.get(name);
      if (held !== undefined && (await open(keyScope(name), held)) === undefined) throw new StoreIntegrityError('a claim in the store carries no valid integrity tag');
      return false;
    },
    delete: (name) => store.delete(name),
  };
  if (store.feed) wrapped.feed = Object.freeze(integrityFeed(store.feed, tag, open, feedScope));
  return Object.freeze(wrapped);
}

function integrityFeed(
  feed: StoreFeed,
  tag: (scope: string, value: string) => Promise<string>,
  open: (scope: string, tagged: string) => Promise<string | undefined>,
  scopeOf: (name: string) => string,
): StoreFeed {
  const wrapped: StoreFeed = {
    async append(name, entry, keepMs) {
      await feed.append(name, await tag(scopeOf(name), entry), keepMs);
    },
    async read(name, cursor): Promise<FeedPage> {
      const page = await feed.read(name, cursor);
      const opened = await Promise.all(page.entries.map((entry) => open(scopeOf(name), entry)));
      const entries = opened.filter((entry): entry is string => entry !== undefined);
      return { entries, cursor: page.cursor, ignored: (page.ignored ?? 0) + opened.length - entries.length };
    },
  };
  if (feed.subscribe) {
    const subscribe = feed.subscribe.bind(feed);
    wrapped.subscribe = (name, listener, onError) =>
      subscribe(
        name,
        (entry) => {
          // pushes are applied idempotently, so checking them out of order is harmless
          open(scopeOf(name), entry).then(
            (opened) => (opened === undefined ? onError(new StoreIntegrityError('a pushed feed entry carries no valid integrity tag')) : listener(opened)),
            onError,
          );
        },
        onError,
      );
  }
  return wrapped;
}

async function untag(hmac: readonly Promise<CryptoKey>[], scope: string, tagged: string): Promise<string | undefined> {
  const end = TAG_PREFIX.length + TAG_HEX_LENGTH;
  if (tagged.length <= end || !tagged.startsWith(TAG_PREFIX) || tagged[end] !== '.') return undefined;
  const signature = hexToBytes(tagged.slice(TAG_PREFIX.length, end));
  if (signature === undefined) return undefined;
  const value = tagged.slice(end + 1);
  const data = bytes(scope, value);
  // crypto.subtle.verify compares in constant time
  for (const key of hmac) if (await crypto.subtle.verify('HMAC', await key, signature, data)) return value;
  return undefined;
}

function hmacKeys(keys: readonly string[]): Promise<CryptoKey>[] {
  return keys.map((secret) => crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']));
}

// the scope's length first, so no (scope, value) pair reads as another
function bytes(scope: string, value: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${scope.length}:${scope}\n${value}`);
}

function hex(buffer: ArrayBuffer): string {
  let text = '';
  for (const byte of new Uint8Array(buffer)) text += byte.toString(16).padStart(2, '0');
  return text;
}

function hexToBytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[0-9a-f]+$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}
