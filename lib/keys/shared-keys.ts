/**
 * The JWKS shared through a `Store`, so a fleet asks the issuer once instead
 * of once per instance: a verified JWKS is written with the time it was
 * fetched, a cold instance reads it before asking Logto, and the unknown-`kid`
 * cooldown is claimed through `setIfAbsent`, so one instance per cooldown
 * refetches for a rotation. What is read back is only text: the cache builds
 * it with the same caps and key checks as a fetched JWKS. A store that fails
 * never fails a request (the issuer is asked instead) and is reported as a
 * `store-error` event.
 * @module
 */
import { emit, type AuthEvent } from '../events.js';
import type { Store } from '../stores/store.js';

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
  if (!source.store) return undefined;
  let value: string | undefined;
  try {
    value = await source.store.get(documentKey(source.jwksUri));
  } catch (error) {
    reportStoreError(source, 'jwks-read', error);
    return undefined;
  }
  return value === undefined ? undefined : parseShared(value);
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
  if (!source.store) return true;
  try {
    return await source.store.setIfAbsent(cooldownKey(source.jwksUri), '1', cooldownMs);
  } catch (error) {
    reportStoreError(source, 'jwks-cooldown', error);
    return true;
  }
}

// anything but the exact shape is ignored: the store is shared, not trusted to be well-formed
function parseShared(value: string): SharedJwks | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<SharedJwks> | null;
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.jwks !== 'string' || typeof parsed.fetchedAt !== 'number' || !Number.isFinite(parsed.fetchedAt)) return undefined;
    return { fetchedAt: parsed.fetchedAt, jwks: parsed.jwks };
  } catch {
    return undefined;
  }
}

function reportStoreError(source: SharedKeySource, operation: string, error: unknown): void {
  if (source.onEvent) emit(source.onEvent, { type: 'store-error', operation, error: error instanceof Error ? error.message : 'the store failed' });
}
