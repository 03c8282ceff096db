/**
 * Verified tokens, remembered so that the same token (a user's cookie, sent on
 * every request) is not verified again: one table per resolved options object,
 * bounded in entries and in token characters across all tables.
 *
 * A token is stored from its second verification on (`seenBefore`).
 * This module only stores. Whether an entry may still be served (the token
 * inside `exp` and `nbf` now, the key that verified it still in a fresh JWKS)
 * is decided by `verify.ts` on every hit, and a failure is never stored.
 * fast-jwt's cache is the one to beat: its entries could outlive `exp` and
 * survive the removal of their key (https://github.com/nearform/fast-jwt/issues/5).
 * @module
 */
import type { AuthContext } from './context.js';

/** Most tokens remembered at once, over all options objects (fast-jwt's default size too). */
export const TOKEN_CACHE_MAX_ENTRIES = 1000;
/**
 * Most token characters remembered at once (1 MiB; tokens are ASCII, so bytes).
 * Logto's tokens are 0.5 to 1.5 KB, so this allows about 1000 of them and
 * 128 of the largest we parse (8192 characters). The parsed claims cost about
 * as much again.
 */
export const TOKEN_CACHE_MAX_CHARS = 1024 * 1024;

/** A token that passed every check, as `verify.ts` stored it. */
export interface VerifiedToken {
  /**
   * The context built once from the verified claims (its `payload` among them):
   * everything under it frozen, the context and its payload copied for each
   * caller by verify.ts.
   */
  readonly context: Readonly<AuthContext>;
  /** Identity of the JWKS key that verified the signature. */
  readonly key: object;
}

interface Entry extends VerifiedToken {
  readonly token: string;
  readonly table: Map<number, Entry>;
  /** Served since the clock hand last passed: spared once (second chance). */
  referenced: boolean;
  slot: number;
}

// one table per resolved options object: a token verified under one audience,
// issuer, scope or algorithm list is never served under another. A table is
// keyed by a number made of the end of the token's signature (`keyOf`), and a
// hit is the whole token compared equal: hashing a fresh 1 KB string for the
// Map cost a cache hit more than everything else, a compare is a memcmp, and a
// small integer key costs neither a substring nor a string hash.
const tables = new WeakMap<object, Map<number, Entry>>();
// CLOCK (second chance): a ring of every entry; a hit only sets a flag, so
// serving a hit costs no reordering, and the hand evicts what was not served lately
const ring: (Entry | undefined)[] = new Array(TOKEN_CACHE_MAX_ENTRIES).fill(undefined);
let hand = 0;
let entries = 0;
let chars = 0;

// Admission, a doorkeeper as in TinyLFU: a token is remembered from its second
// verification on. A token seen once is only noted, by the end of its signature
// (random bytes, so a good key), which costs a short Set entry instead of a cache
// entry: a stream of distinct tokens stays cheap and cannot push out the tokens
// of users who come back.
const NOTE_CHARS = 24;
/** Most tokens noted as seen once; past it the notes start over. */
export const MAX_NOTED = 4096;
const noted = new Set<string>();

/** True when `token` was verified before (so it is worth remembering); else notes it and says false. */
export function seenBefore(token: string): boolean {
  // a copy: a slice of a token cut from a Cookie header would keep the whole header alive
  const note = ownCopy(token.slice(-NOTE_CHARS));
  if (noted.has(note)) return true;
  if (noted.size >= MAX_NOTED) noted.clear();
  noted.add(note);
  return false;
}

/** The remembered verification of `token` under `scope` (the resolved options), if any. */
export function findVerified(scope: object, token: string): VerifiedToken | undefined {
  const entry = tables.get(scope)?.get(keyOf(token));
  if (entry === undefined || entry.token !== token) return undefined;
  entry.referenced = true;
  return entry;
}

// The last KEY_CHARS characters folded into a small integer (30 bits, a V8
// Smi): the end of the signature, random bytes for ECDSA and a function of the
// whole signing input for RSA and EdDSA. Two remembered tokens share a key by a
// 1 in 2^30 accident: then the later one replaces the earlier (one cache miss),
// and a lookup still compares the whole token, so no token is served for another.
const KEY_CHARS = 8;
function keyOf(token: string): number {
  let key = 0;
  for (let i = Math.max(0, token.length - KEY_CHARS); i < token.length; i++) key = (Math.imul(key, 31) + token.charCodeAt(i)) | 0;
  return key & 0x3fffffff;
}

/** True when `token` is remembered under `scope`; unlike `findVerified`, not counted as served. */
export function isRemembered(scope: object, token: string): boolean {
  return tables.get(scope)?.get(keyOf(token))?.token === token;
}

/**
 * Remembers a verified token with the context built from it and returns the
 * entry, everything under the context now frozen (later requests share it, so
 * no request may change it for the next one; each gets its own top levels).
 * The oldest entries not served lately make room.
 */
export function rememberVerified(scope: object, token: string, context: AuthContext, key: object): VerifiedToken {
  let table = tables.get(scope);
  if (!table) tables.set(scope, (table = new Map()));
  const previous = table.get(keyOf(token));
  if (previous) forgetVerified(previous);
  const own = ownCopy(token);
  const entry: Entry = { token: own, table, context: freezeShared(context), key, referenced: false, slot: -1 };
  makeRoom(own.length);
  table.set(keyOf(own), entry);
  entry.slot = hand;
  ring[hand] = entry;
  hand = (hand + 1) % TOKEN_CACHE_MAX_ENTRIES;
  entries++;
  chars += own.length;
  return entry;
}

/** Drops one remembered token (expired, or its key left the JWKS). */
export function forgetVerified(verified: VerifiedToken): void {
  const entry = verified as Entry;
  if (entry.slot === -1) return;
  entry.table.delete(keyOf(entry.token));
  ring[entry.slot] = undefined;
  entry.slot = -1;
  entries--;
  chars -= entry.token.length;
}

/** Forgets every remembered token. For tests, and for apps that must re-verify everything at once. */
export function clearTokenCache(): void {
  noted.clear();
  for (const entry of ring) if (entry) forgetVerified(entry);
  hand = 0;
}

/** How much the cache holds now, for tests and the memory bench. */
export function tokenCacheUsage(): { entries: number; chars: number; noted: number } {
  return { entries, chars, noted: noted.size };
}

// Advances the hand until the slot under it is free and `incoming` more
// characters fit. An entry served since the hand last passed is spared once.
function makeRoom(incoming: number): void {
  for (;;) {
    const entry = ring[hand];
    if (entry === undefined) {
      if (chars + incoming <= TOKEN_CACHE_MAX_CHARS) return;
    } else if (entry.referenced) {
      entry.referenced = false;
    } else {
      forgetVerified(entry);
      if (chars + incoming <= TOKEN_CACHE_MAX_CHARS) return;
    }
    hand = (hand + 1) % TOKEN_CACHE_MAX_ENTRIES;
  }
}

// A token cut out of a Cookie header may be a slice that keeps the whole header
// alive; concatenating and slicing again makes V8 copy the characters into a
// string of their own, so what we count is what we keep.
function ownCopy(token: string): string {
  return (token + ' ').slice(0, -1);
}

// Callers get their own copy of the context and of its payload (verify.ts), so
// only what the copies share, everything under those two, is frozen. The two
// themselves stay unfrozen: a copy of a frozen object takes V8's slow path (it
// cost a hit a sixth of its time). Iterative: a hostile but validly signed
// payload may nest thousands deep.
function freezeShared(context: AuthContext): AuthContext {
  const pending: object[] = [];
  for (const root of [context, context.payload ?? {}]) {
    for (const key in root) {
      const member = (root as Record<string, unknown>)[key];
      if (typeof member === 'object' && member !== null && member !== context.payload) pending.push(member);
    }
  }
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    if (Object.isFrozen(value)) continue;
    Object.freeze(value);
    for (const member of Object.values(value)) if (typeof member === 'object' && member !== null) pending.push(member);
  }
  return context;
}
