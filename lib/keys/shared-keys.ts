/**
 * The JWKS shared through a `Store`, so a fleet asks the issuer once instead
 * of once per instance: a verified JWKS is written with the time it was
 * fetched, a cold instance reads it before asking Logto, and the unknown-`kid`
 * cooldown is claimed through `setIfAbsent`, so one instance per cooldown
 * refetches for a rotation. What is read back is only text: the cache builds
 * it with the same caps and key checks as a fetched JWKS. A store that fails
 * never fails a request (the issuer is asked instead) and is reported as a
 * `store-error` event; nor does it delay one much: each read or claim gets
 * `STORE_READ_BUDGET_MS`, and after a failure the store is left alone for
 * `STORE_PAUSE_MS`, so a Redis that is down costs the issuer fetch nothing
 * but that budget, once. A value without a valid integrity tag (a store made
 * with an `integrityKey`), or dated in the future, is ignored and reported as
 * a `store-value-ignored` event.
 * @module
 */
import { emit, redactedMessage, type AuthEvent } from '../events.js';
import type { Store } from '../stores/store.js';

/** How long a JWKS read or an unknown-`kid` claim may wait on the store before the issuer is asked, in ms (a Redis on the same network answers in about 1 ms). */
export const STORE_READ_BUDGET_MS = 200;
/** After a store failure (or a read past the budget), no key read or claim goes to it for this long, in ms. */
export const STORE_PAUSE_MS = 5000;
/** A shared JWKS dated further in the future than this is ignored (clock skew between instances), in ms. */
export const SHARED_KEYS_MAX_SKEW_MS = 60_000;

// per store: no read or claim before this (ms since the epoch)
const pausedUntil = new WeakMap<Store, number>();

/** What the cache needs to share keys. */
export interface SharedKeySource {
  jwksUri: string;
  store?: Store | undefined;
  onEvent?: ((event: AuthEvent) => void) | undefined;
}

/** A JWKS as another instance shared it. */
export interface SharedJwks {
  /** When the issuer answered it, in ms since the epoch. */
  fetchedAt: number;
  /** The JWKS document as the issuer sent it. */
  jwks: string;
}

// one key per JWKS URL (the URL is public, so it may appear in a key); stores add their own prefix
const documentKey = (jwksUri: string) => `jwks:${jwksUri}`;
const cooldownKey = (jwksUri: string) => `jwks-unknown-kid:${jwksUri}`;

/** The shared JWKS for `source.jwksUri`, or `undefined` (absent, unreadable, or the store failed). */
export async function readSharedKeys(source: SharedKeySource): Promise<SharedJwks | undefined> {
  const store = source.store;
  if (!store || isPaused(store)) return undefined;
  let value: string | undefined;
  try {
    value = await withinBudget(store, store.get(documentKey(source.jwksUri)));
  } catch (error) {
    reportStoreError(source, 'jwks-read', error);
    return undefined;
  }
  if (value === undefined) return undefined;
  const shared = parseShared(value);
  if (shared === undefined) return undefined;
  if (shared.fetchedAt > Date.now() + SHARED_KEYS_MAX_SKEW_MS) {
    if (source.onEvent) emit(source.onEvent, { type: 'store-value-ignored', operation: 'jwks-read', reason: 'a shared JWKS dated in the future' });
    return undefined;
  }
  return shared;
}

/** Shares a JWKS fetched at `fetchedAt` for `ttlMs`. Never rejects. */
export async function writeSharedKeys(source: SharedKeySource, jwks: string, fetchedAt: number, ttlMs: number): Promise<void> {
  if (!source.store) return;
  try {
    await source.store.set(documentKey(source.jwksUri), JSON.stringify({ fetchedAt, jwks } satisfies SharedJwks), ttlMs);
  } catch (error) {
    reportStoreError(source, 'jwks-write', error);
  }
}

/**
 * True when this instance may refetch for an unknown `kid` now: it set the
 * fleet's cooldown key, or the store failed (then each instance keeps its own
 * cooldown, as without a store).
 */
export async function claimUnknownKidRefetch(source: SharedKeySource, cooldownMs: number): Promise<boolean> {
  const store = source.store;
  if (!store || isPaused(store)) return true;
  try {
    return await withinBudget(store, store.setIfAbsent(cooldownKey(source.jwksUri), '1', cooldownMs));
  } catch (error) {
    reportStoreError(source, 'jwks-cooldown', error);
    return true;
  }
}

// anything but the exact shape is ignored: the store is shared, not trusted to be well-formed
function parseShared(value: string): SharedJwks | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<SharedJwks> | null;
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.jwks !== 'string' || typeof parsed.fetchedAt !== 'number' || !Number.isFinite(parsed.fetchedAt) || parsed.fetchedAt < 0) return undefined;
    return { fetchedAt: parsed.fetchedAt, jwks: parsed.jwks };
  } catch {
    return undefined;
  }
}

// `StoreIntegrityError` (stores/integrity.ts) told apart by name: importing the
// class would put the store layer into every bundle that verifies a token
function isIntegrityError(error: unknown): boolean {
  return error instanceof Error && error.name === 'StoreIntegrityError';
}

function isPaused(store: Store): boolean {
  const until = pausedUntil.get(store);
  return until !== undefined && Date.now() < until;
}

// The store's own timeout (2 s for Redis) is for its writes; a read that only
// spares the issuer a request gives up much sooner, and a failure pauses the
// store, so the next cold request goes straight to the issuer.
function withinBudget<T>(store: Store, pending: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const budget = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the store did not answer within ${STORE_READ_BUDGET_MS} ms`)), STORE_READ_BUDGET_MS);
  });
  pending.catch(() => undefined); // a late failure is nobody's to hear
  return Promise.race([pending, budget])
    .catch((error: unknown) => {
      if (!isIntegrityError(error)) pausedUntil.set(store, Date.now() + STORE_PAUSE_MS);
      throw error;
    })
    .finally(() => clearTimeout(timer));
}

function reportStoreError(source: SharedKeySource, operation: string, error: unknown): void {
  if (!source.onEvent) return;
  if (isIntegrityError(error)) emit(source.onEvent, { type: 'store-value-ignored', operation, reason: 'no valid integrity tag' });
  else emit(source.onEvent, { type: 'store-error', operation, error: redactedMessage(error) });
}
