/**
 * One JWKS cache per JWKS URL, shared by every call in the process: fresh for
 * `jwksCacheTtl`; past it, stale-while-revalidate (requests are answered from
 * the keys at hand while one refresh runs in the background, for at most
 * `JWKS_MAX_STALE_MS`); one fetch in flight at a time; an unknown `kid`
 * refetching at most once per 30 s; with nothing usable cached, a failing
 * JWKS asked again only after a jittered exponential backoff. Imported
 * `CryptoKey`s are kept beside their JWKs.
 * Nothing from a token's header is ever fetched (`jku`, `x5u`, `x5c` and `jwk`
 * are ignored): the only URL requested is the configured one (`jwks-fetch.ts`).
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 * @see https://www.rfc-editor.org/rfc/rfc5861#section-3
 * @module
 */
import { AuthError } from '../errors.js';
import { emit, eventUrl, redactedMessage, type AuthEvent, type JwksFetchReason } from '../events.js';
import type { Algorithm } from '../jose/jwk.js';
import type { Store } from '../stores/store.js';
import { fetchJwksText, type JwksRequest } from './jwks-fetch.js';
import { importFor, keySetFromText, rememberSelected, selectKey, type CachedKey, type KeySet, type SelectedKey } from './key-set.js';
import { claimUnknownKidRefetch, readSharedKeys, writeSharedKeys } from './shared-keys.js';

export type { CachedKey, SelectedKey } from './key-set.js';

/** An unknown `kid` refetches the JWKS at most once per this, per JWKS URL. */
export const JWKS_REFETCH_COOLDOWN_MS = 30_000;
/** How long past `jwksCacheTtl` the last good keys are served while refreshes fail. Logto's access tokens live 1 h by default, so every token issued before an outage stays verifiable. */
export const JWKS_MAX_STALE_MS = 60 * 60 * 1000;
/** While serving stale keys, a failed refresh is retried at most once per this. */
export const JWKS_STALE_RETRY_MS = 10_000;
/** With nothing usable cached, the first failed fetch pauses fetching for up to this (jittered down to half). */
export const JWKS_BACKOFF_INITIAL_MS = 1_000;
/** The backoff doubles with each consecutive failure up to this (jittered down to half). */
export const JWKS_BACKOFF_MAX_MS = 30_000;
/** Most JWKS URLs cached at once; the least recently used is dropped beyond it (a multi-tenant process stays bounded). */
export const MAX_CACHED_JWKS_URLS = 256;

/** Where keys come from, as resolved from the options (`ResolvedOptions` is one). */
export interface KeySource extends JwksRequest {
  jwksCacheTtl: number;
  /** Receives `jwks-fetched`, `jwks-stale-served`, `jwks-backoff` and `store-error`. Default: none. */
  onEvent?: ((event: AuthEvent) => void) | undefined;
  /** A shared store: a verified JWKS is written to it and a cold instance reads it first. Default: none. */
  store?: Store | undefined;
}

interface JwksState {
  keySet: KeySet | undefined;
  /** When `keySet` was fetched from the issuer (by us, or by the instance that shared it). */
  fetchedAt: number;
  failedAt: number;
  /** Consecutive failures with nothing usable cached: the backoff's exponent. */
  failures: number;
  /** With nothing usable cached, no JWKS request before this. */
  retryAt: number;
  /** `keySet` was read from the shared store, not fetched by this instance. */
  fromStore: boolean;
  /** The last failure, as the `cause` of a backed-off `JWKS_UNAVAILABLE`. */
  lastError: unknown;
  unknownKidRefetchAt: number;
  pending: Promise<KeySet> | undefined;
  /** Used since the eviction sweep last passed: spared once (second chance). */
  referenced: boolean;
}

const states = new Map<string, JwksState>();

/**
 * Finds and imports the key for a token's `alg` and `kid`. Throws
 * `KEY_NOT_FOUND`, `ALGORITHM_NOT_ALLOWED` (the `kid` names a key of another
 * type or curve, or bound to another `alg`) or `JWKS_UNAVAILABLE` (with
 * `retryAfterSec` from the backoff).
 */
export async function getKey(source: KeySource, alg: Algorithm, kid: string | undefined): Promise<SelectedKey> {
  const state = stateFor(source.jwksUri);
  const now = Date.now();
  const cached = state.keySet;
  const keySet = await currentKeySet(state, source, now);
  let match = selectKey(keySet, alg, kid);
  let matchedIn = keySet;
  // a kid we have not seen may be a key rotated in since our last fetch (unless
  // that fetch was just now; keys read from the store may be older than that)
  if (match === 'unknown-kid' && (keySet === cached || state.fromStore)) {
    const refreshed = await refetchForUnknownKid(state, source, now);
    if (refreshed) match = selectKey((matchedIn = refreshed), alg, kid);
  }
  if (match === 'unknown-kid') throw new AuthError('KEY_NOT_FOUND', 'no key in the JWKS has the token "kid"', { detail: { claim: 'kid', actual: kid } });
  if (match === 'no-fit') throw new AuthError('ALGORITHM_NOT_ALLOWED', `the key named by the token "kid" cannot verify ${alg}`, { detail: { claim: 'alg', actual: alg } });
  if (match === 'no-candidate') throw new AuthError('KEY_NOT_FOUND', `the token has no "kid" and the JWKS has no single key for ${alg}`, { detail: { claim: 'kid', expected: alg } });
  if (match === 'ambiguous') throw new AuthError('KEY_NOT_FOUND', 'several JWKS keys match the token, refusing to guess', { detail: { claim: 'kid', actual: kid } });
  let cryptoKey: CryptoKey;
  try {
    cryptoKey = await importFor(match, alg);
  } catch {
    throw new AuthError('KEY_NOT_FOUND', `the JWKS key for ${alg} could not be imported`, { detail: { claim: 'kid', actual: kid } });
  }
  const selected: SelectedKey = Object.freeze({ cryptoKey, signatureLength: match.jwk.signatureLength, cachedKey: match });
  rememberSelected(matchedIn, alg, kid, selected);
  return selected;
}

/**
 * The key for a token without awaiting anything: the one `getKey` chose for the
 * same `alg` and `kid` from the JWKS cached now, while that JWKS is fresh at
 * `now` (ms). `undefined` sends the caller to `getKey`, which fetches,
 * refetches and reports errors; no failure is remembered here.
 */
export function findKey(source: KeySource, alg: Algorithm, kid: string | undefined, now: number): SelectedKey | undefined {
  const state = states.get(source.jwksUri);
  if (!state?.keySet || !isFresh(state, source, now)) return undefined;
  state.referenced = true;
  return state.keySet.selected.get(alg)?.get(kid);
}

/**
 * True while `key` is a member of the JWKS cached for `source` and that JWKS is
 * still fresh at `now` (ms). Past `jwksCacheTtl` it is false even for a key that
 * stays, so whatever was verified with it goes back through `getKey`, which
 * starts the refresh; once a refresh has succeeded, a removed key is no longer
 * a member and stops verifying.
 */
export function isKeyFresh(source: KeySource, key: object, now: number): boolean {
  const state = states.get(source.jwksUri);
  return state?.keySet !== undefined && isFresh(state, source, now) && state.keySet.keys.includes(key as CachedKey);
}

/**
 * Forgets every cached JWKS, and every backoff. For tests and for apps that
 * must drop keys at once; tokens remembered by the token cache are then
 * verified again too. A shared store is not touched.
 */
export function clearJwksCache(): void {
  states.clear();
}

function isFresh(state: JwksState, source: KeySource, now: number): boolean {
  return now - state.fetchedAt < source.jwksCacheTtl;
}

// the stale bound: past it, keys are no longer served even when the issuer is down
function isUsable(state: JwksState, source: KeySource, now: number): boolean {
  return state.keySet !== undefined && now - state.fetchedAt < source.jwksCacheTtl + JWKS_MAX_STALE_MS;
}

async function currentKeySet(state: JwksState, source: KeySource, now: number): Promise<KeySet> {
  if (state.keySet && isFresh(state, source, now)) return state.keySet;
  if (state.keySet && isUsable(state, source, now)) return staleWhileRevalidate(state, state.keySet, source, now);
  return fetchWithBackoff(state, source, now);
}

// RFC 5861 §3 in spirit: the keys at hand answer now, one refresh runs behind.
// A failed refresh is retried at most once per JWKS_STALE_RETRY_MS, and the
// same keys keep answering until the stale bound (stale-if-error).
async function staleWhileRevalidate(state: JwksState, keySet: KeySet, source: KeySource, now: number): Promise<KeySet> {
  const mayRetry = now - state.failedAt >= JWKS_STALE_RETRY_MS;
  const reason: JwksFetchReason = state.failedAt > state.fetchedAt ? 'retry' : 'ttl';
  if (!sharesPendingFetch) {
    // Workers: this request cannot leave I/O behind for another, so it waits for its own refresh
    if (mayRetry) {
      try {
        return await refresh(state, source, reason);
      } catch {
        // stale-if-error: an identity-server outage is not an outage of our user's API
      }
    }
  } else if (!state.pending && mayRetry) {
    refresh(state, source, reason).catch(() => {}); // the failure is recorded in the state and reported as an event
  }
  if (source.onEvent) emit(source.onEvent, { type: 'jwks-stale-served', jwksUri: eventUrl(source.jwksUri), ageMs: now - state.fetchedAt });
  return keySet;
}

// Nothing usable cached: callers share the one fetch in flight; after a
// failure, nobody asks the issuer again before `retryAt`, so a stream of
// tokens cannot become a stream of requests.
async function fetchWithBackoff(state: JwksState, source: KeySource, now: number): Promise<KeySet> {
  const inFlight = state.pending !== undefined && sharesPendingFetch;
  if (!inFlight && now < state.retryAt) throw unavailable(state, now, state.lastError);
  try {
    return await refresh(state, source, state.failures > 0 ? 'retry' : state.keySet ? 'ttl' : 'cold');
  } catch (cause) {
    // a shared copy too old to skip the fetch still beats a 503 (stale-if-error)
    if (isUsable(state, source, Date.now())) return state.keySet!;
    throw unavailable(state, Date.now(), cause);
  }
}

function unavailable(state: JwksState, now: number, cause: unknown): AuthError {
  // RFC 9110 §10.2.3: whole seconds; at least 1, so a client never retries at once
  const retryAfterSec = Math.max(1, Math.ceil((state.retryAt - now) / 1000));
  return new AuthError('JWKS_UNAVAILABLE', 'the JWKS could not be fetched and no usable cached copy exists', { cause, retryAfterSec });
}

async function refetchForUnknownKid(state: JwksState, source: KeySource, now: number): Promise<KeySet | undefined> {
  try {
    if (state.pending && sharesPendingFetch) return await state.pending;
    if (now - state.unknownKidRefetchAt < JWKS_REFETCH_COOLDOWN_MS) return undefined;
    state.unknownKidRefetchAt = now;
    // a fleet shares the cooldown: when another instance refetched lately, take the keys it shared
    if (source.store && !(await claimUnknownKidRefetch(source, JWKS_REFETCH_COOLDOWN_MS))) return await adoptSharedKeys(state, source);
    return await refresh(state, source, 'unknown-kid');
  } catch {
    return undefined; // the keys we have stay; the kid is simply not among them
  }
}

function refresh(state: JwksState, source: KeySource, reason: JwksFetchReason): Promise<KeySet> {
  if (!sharesPendingFetch) return load(state, source, reason);
  state.pending ??= load(state, source, reason).finally(() => {
    state.pending = undefined;
  });
  return state.pending;
}

async function load(state: JwksState, source: KeySource, reason: JwksFetchReason): Promise<KeySet> {
  // ask the shared store before the issuer: another instance may have fetched lately
  // (not for an unknown kid: claimUnknownKidRefetch made this instance the one to ask)
  if (source.store && reason !== 'unknown-kid') {
    const shared = await adoptSharedKeys(state, source);
    if (shared && isFresh(state, source, Date.now())) return shared;
  }
  const started = Date.now();
  let text: string;
  let keySet: KeySet;
  try {
    text = await fetchJwksText(source);
    keySet = await keySetFromText(text);
  } catch (error) {
    recordFailure(state, source, reason, started, error);
    throw error;
  }
  state.keySet = keySet;
  state.fetchedAt = Date.now();
  state.fromStore = false;
  state.failures = 0;
  state.retryAt = -Infinity;
  state.lastError = undefined;
  if (source.onEvent) emit(source.onEvent, { type: 'jwks-fetched', jwksUri: eventUrl(source.jwksUri), ok: true, durationMs: state.fetchedAt - started, keyCount: keySet.keys.length, reason });
  if (source.store) void writeSharedKeys(source, text, state.fetchedAt, source.jwksCacheTtl + JWKS_MAX_STALE_MS);
  return keySet;
}

function recordFailure(state: JwksState, source: KeySource, reason: JwksFetchReason, started: number, error: unknown): void {
  const failedAt = Date.now();
  state.failedAt = failedAt;
  state.lastError = error;
  if (source.onEvent) emit(source.onEvent, { type: 'jwks-fetched', jwksUri: eventUrl(source.jwksUri), ok: false, durationMs: failedAt - started, error: describe(error, source.jwksUri), reason });
  if (isUsable(state, source, failedAt)) return; // stale keys answer meanwhile; JWKS_STALE_RETRY_MS paces the retries
  state.failures++;
  const retryInMs = backoffDelay(state.failures);
  state.retryAt = failedAt + retryInMs;
  if (source.onEvent) emit(source.onEvent, { type: 'jwks-backoff', jwksUri: eventUrl(source.jwksUri), retryInMs, failures: state.failures });
}

/**
 * The pause after `failures` consecutive failures: exponential from
 * `JWKS_BACKOFF_INITIAL_MS`, capped at `JWKS_BACKOFF_MAX_MS`, with "equal
 * jitter" (half fixed, half random) so a fleet that failed together does not
 * come back together, and never less than half the step.
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelay(failures: number): number {
  const step = Math.min(JWKS_BACKOFF_MAX_MS, JWKS_BACKOFF_INITIAL_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(step / 2 + Math.random() * (step / 2));
}

// Reads the JWKS another instance shared; adopted only when it is newer than
// ours and passes the same caps and key checks as a fetched one.
async function adoptSharedKeys(state: JwksState, source: KeySource): Promise<KeySet | undefined> {
  const shared = await readSharedKeys(source);
  if (!shared || shared.fetchedAt <= state.fetchedAt) return undefined;
  let keySet: KeySet;
  try {
    keySet = await keySetFromText(shared.jwks);
  } catch {
    return undefined;
  }
  state.keySet = keySet;
  state.fetchedAt = Math.min(shared.fetchedAt, Date.now()); // a date in the future must not make keys fresh for longer
  state.fromStore = true;
  state.failures = 0;
  state.retryAt = -Infinity;
  return keySet;
}

// only our own messages and the fetch's: never the body (key-set.ts rewrites
// the JSON parser's), nor the URL's userinfo or query, should a fetch quote it
function describe(error: unknown, jwksUri: string): string {
  return error instanceof Error ? redactedMessage(error.message.split(jwksUri).join(eventUrl(jwksUri))) : 'the JWKS request failed';
}

// Cloudflare Workers forbid a request from awaiting I/O that another request
// started, so there each request fetches for itself (and, past the TTL, waits
// for its own refresh instead of leaving one running behind); the keys it gets
// are still shared. jose does the same: https://github.com/panva/jose/issues/355
// and https://github.com/panva/jose/issues/509
const sharesPendingFetch = !(typeof navigator !== 'undefined' && (navigator as { userAgent?: string }).userAgent === 'Cloudflare-Workers');

function stateFor(jwksUri: string): JwksState {
  let state = states.get(jwksUri);
  if (state) {
    state.referenced = true;
    return state;
  }
  state = { keySet: undefined, fetchedAt: -Infinity, failedAt: -Infinity, failures: 0, retryAt: -Infinity, fromStore: false, lastError: undefined, unknownKidRefetchAt: -Infinity, pending: undefined, referenced: false };
  states.set(jwksUri, state);
  if (states.size > MAX_CACHED_JWKS_URLS) evictLeastRecentlyUsed(state);
  return state;
}

// Second chance: a request only sets `referenced` (no reordering on the hot
// path); the sweep moves a referenced URL to the back instead of dropping it,
// so the one dropped is the oldest not used since the sweep last passed.
function evictLeastRecentlyUsed(added: JwksState): void {
  for (const [jwksUri, state] of states) {
    if (state === added) continue;
    states.delete(jwksUri);
    if (!state.referenced) return;
    state.referenced = false;
    states.set(jwksUri, state);
  }
}
