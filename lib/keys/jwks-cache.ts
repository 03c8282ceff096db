/**
 * One JWKS cache per JWKS URL, shared by every call in the process: fresh for
 * `jwksCacheTtl`, one fetch in flight at a time, an unknown `kid` refetching at
 * most once per 30 s, the last good keys served for a bounded time when a
 * refresh fails, and imported `CryptoKey`s kept beside their JWKs.
 * Nothing from a token's header is ever fetched (`jku`, `x5u`, `x5c` and `jwk`
 * are ignored): the only URL requested is the configured one.
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 * @module
 */
import { AuthError } from '../errors.js';
import { ALGORITHMS, importPublicKey, keyFitsAlgorithm, parsePublicJwk, type Algorithm, type PublicJwk } from '../jose/jwk.js';

/** A JWKS request that has not answered (body included) within this fails. jose uses the same 5 s. */
export const JWKS_FETCH_TIMEOUT_MS = 5_000;
/** An unknown `kid` refetches the JWKS at most once per this, per JWKS URL. */
export const JWKS_REFETCH_COOLDOWN_MS = 30_000;
/** How long past `jwksCacheTtl` the last good keys are served while refreshes fail. Logto's access tokens live 1 h by default, so every token issued before an outage stays verifiable. */
export const JWKS_MAX_STALE_MS = 60 * 60 * 1000;
/** While serving stale keys, a failed refresh is retried at most once per this. */
export const JWKS_STALE_RETRY_MS = 10_000;
/** Largest JWKS body read, in bytes. Logto's is about 1 KB per key. */
export const MAX_JWKS_BYTES = 256 * 1024;
/** Most keys one JWKS may hold; a larger set is refused whole. */
export const MAX_JWKS_KEYS = 100;
/** Most JWKS URLs cached at once; the least recently used is dropped beyond it (a multi-tenant process stays bounded). */
export const MAX_CACHED_JWKS_URLS = 256;

/** Where keys come from, as resolved from the options. */
export interface KeySource {
  jwksUri: string;
  jwksCacheTtl: number;
  fetch: typeof fetch | undefined;
}

/** A JWKS member we may verify with, and its imports, one per algorithm. */
export interface CachedKey {
  readonly jwk: PublicJwk;
  readonly imports: Map<Algorithm, Promise<CryptoKey>>;
}

/** The key chosen for one token. */
export interface SelectedKey {
  cryptoKey: CryptoKey;
  signatureLength: number;
  /** Identity of the JWKS member, stable while it stays in the set. */
  cachedKey: CachedKey;
}

interface KeySet {
  keys: readonly CachedKey[];
  byKid: ReadonlyMap<string, readonly CachedKey[]>;
  /** Keys already chosen and imported, by alg then kid: what `findKey` serves without awaiting. */
  selected: Map<Algorithm, Map<string | undefined, SelectedKey>>;
}

interface JwksState {
  keySet: KeySet | undefined;
  fetchedAt: number;
  failedAt: number;
  unknownKidRefetchAt: number;
  pending: Promise<KeySet> | undefined;
  /** Used since the eviction sweep last passed: spared once (second chance). */
  referenced: boolean;
}

const states = new Map<string, JwksState>();

/**
 * Finds and imports the key for a token's `alg` and `kid`. Throws
 * `KEY_NOT_FOUND`, `ALGORITHM_NOT_ALLOWED` (the `kid` names a key of another
 * type or curve, or bound to another `alg`) or `JWKS_UNAVAILABLE`.
 */
export async function getKey(source: KeySource, alg: Algorithm, kid: string | undefined): Promise<SelectedKey> {
  const state = stateFor(source.jwksUri);
  const now = Date.now();
  const cached = state.keySet;
  const keySet = await currentKeySet(state, source, now);
  let match = selectKey(keySet, alg, kid);
  let matchedIn = keySet;
  // a kid we have not seen may be a key rotated in since our last fetch (unless that fetch was just now)
  if (match === 'unknown-kid' && keySet === cached) {
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
 * refreshes the set and so notices a key that was removed.
 */
export function isKeyFresh(source: KeySource, key: object, now: number): boolean {
  const state = states.get(source.jwksUri);
  return state?.keySet !== undefined && isFresh(state, source, now) && state.keySet.keys.includes(key as CachedKey);
}

/**
 * Forgets every cached JWKS. For tests and for apps that must drop keys at
 * once; tokens remembered by the token cache are then verified again too.
 */
export function clearJwksCache(): void {
  states.clear();
}

function isFresh(state: JwksState, source: KeySource, now: number): boolean {
  return now - state.fetchedAt < source.jwksCacheTtl;
}

// Only a key that was found and imported gets here, under a kid that names it
// (or none), so the memo is bounded by the set it belongs to and dies with it.
function rememberSelected(keySet: KeySet, alg: Algorithm, kid: string | undefined, selected: SelectedKey): void {
  let byKid = keySet.selected.get(alg);
  if (!byKid) keySet.selected.set(alg, (byKid = new Map()));
  byKid.set(kid, selected);
}

type Match = CachedKey | 'unknown-kid' | 'no-fit' | 'no-candidate' | 'ambiguous';

function selectKey(keySet: KeySet, alg: Algorithm, kid: string | undefined): Match {
  // filter keys based on the JWK Key ID in the header; a token without kid may use any key
  const named = kid === undefined ? keySet.keys : keySet.byKid.get(kid);
  if (!named) return 'unknown-kid';
  // filter keys whose type, curve and own "alg" fit the token's alg (RFC 7517 §4.4)
  const fitting = named.filter((key) => keyFitsAlgorithm(key.jwk, alg));
  if (fitting.length === 1) return fitting[0]!;
  if (fitting.length > 1) return 'ambiguous';
  return kid === undefined ? 'no-candidate' : 'no-fit';
}

async function currentKeySet(state: JwksState, source: KeySource, now: number): Promise<KeySet> {
  if (state.keySet && isFresh(state, source, now)) return state.keySet;
  const stale = state.keySet && now - state.fetchedAt < source.jwksCacheTtl + JWKS_MAX_STALE_MS ? state.keySet : undefined;
  // while the issuer is failing, serve the last good keys without asking it on every request
  if (stale && now - state.failedAt < JWKS_STALE_RETRY_MS) return stale;
  try {
    return await refresh(state, source);
  } catch (cause) {
    if (stale) return stale; // stale-if-error: an identity-server outage is not an outage of our user's API
    throw new AuthError('JWKS_UNAVAILABLE', 'the JWKS could not be fetched and no usable cached copy exists', { cause });
  }
}

async function refetchForUnknownKid(state: JwksState, source: KeySource, now: number): Promise<KeySet | undefined> {
  try {
    if (state.pending && sharesPendingFetch) return await state.pending;
    if (now - state.unknownKidRefetchAt < JWKS_REFETCH_COOLDOWN_MS) return undefined;
    state.unknownKidRefetchAt = now;
    return await refresh(state, source);
  } catch {
    return undefined; // the keys we have stay; the kid is simply not among them
  }
}

function refresh(state: JwksState, source: KeySource): Promise<KeySet> {
  if (!sharesPendingFetch) return load(state, source);
  state.pending ??= load(state, source).finally(() => {
    state.pending = undefined;
  });
  return state.pending;
}

async function load(state: JwksState, source: KeySource): Promise<KeySet> {
  try {
    const keySet = await fetchKeySet(source);
    state.keySet = keySet;
    state.fetchedAt = Date.now();
    return keySet;
  } catch (error) {
    state.failedAt = Date.now();
    throw error;
  }
}

// Cloudflare Workers forbid a request from awaiting I/O that another request
// started, so there each request fetches for itself; the keys it gets are still
// shared. jose does the same: https://github.com/panva/jose/issues/355 and
// https://github.com/panva/jose/issues/509
const sharesPendingFetch = !(typeof navigator !== 'undefined' && (navigator as { userAgent?: string }).userAgent === 'Cloudflare-Workers');

function stateFor(jwksUri: string): JwksState {
  let state = states.get(jwksUri);
  if (state) {
    state.referenced = true;
    return state;
  }
  state = { keySet: undefined, fetchedAt: -Infinity, failedAt: -Infinity, unknownKidRefetchAt: -Infinity, pending: undefined, referenced: false };
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

async function fetchKeySet(source: KeySource): Promise<KeySet> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // one deadline for the whole exchange, body included, even with a fetch that ignores the signal
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`the JWKS request did not finish within ${JWKS_FETCH_TIMEOUT_MS} ms`));
    }, JWKS_FETCH_TIMEOUT_MS);
  });
  deadline.catch(() => {});
  try {
    const response = await Promise.race([requestJwks(source, controller.signal), deadline]);
    if (response.status !== 200) {
      void response.body?.cancel().catch(() => {});
      throw new Error(`the JWKS request answered HTTP ${response.status}, not 200`);
    }
    const text = await Promise.race([readBody(response, MAX_JWKS_BYTES), deadline]);
    return await Promise.race([buildKeySet(JSON.parse(text)), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// Next.js's server fetch may answer from its data cache and hide a rotation;
// `cache: 'no-store'` asks for the network. Some runtimes (Cloudflare Workers
// before compatibility date 2024-11-11) throw on the `cache` member, so it is
// dropped there, once and for all.
let cacheMemberSupported = true;

async function requestJwks(source: KeySource, signal: AbortSignal): Promise<Response> {
  // redirects are not followed: the keys come from the configured URL or not at all
  const init: RequestInit = { headers: { accept: 'application/jwk-set+json, application/json' }, redirect: 'manual', signal };
  // called detached: a fetch called as a method of our options object is an
  // "Illegal invocation" on Cloudflare Workers
  const customFetch = source.fetch;
  const send = (requestInit: RequestInit) => (customFetch ? customFetch(source.jwksUri, requestInit) : fetch(source.jwksUri, requestInit));
  if (!cacheMemberSupported) return send(init);
  try {
    return await send({ ...init, cache: 'no-store' });
  } catch (error) {
    // workerd says "The 'cache' field on 'RequestInitializerDict' is not implemented." (an Error, not a TypeError)
    if (!(error instanceof Error && /'cache' field|\bcache\b.*not (implemented|supported)/i.test(error.message))) throw error;
    cacheMemberSupported = false;
    return send(init);
  }
}

async function readBody(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > limit) {
    void response.body?.cancel().catch(() => {});
    throw new Error(`the JWKS is larger than ${limit} bytes`);
  }
  if (!response.body) return response.text();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      void reader.cancel().catch(() => {});
      throw new Error(`the JWKS is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

async function buildKeySet(document: unknown): Promise<KeySet> {
  const members = (document as { keys?: unknown } | null)?.keys;
  if (typeof document !== 'object' || document === null || !Array.isArray(members)) throw new Error('the JWKS has no "keys" array');
  if (members.length > MAX_JWKS_KEYS) throw new Error(`the JWKS has more than ${MAX_JWKS_KEYS} keys`);
  const candidates = members.map(parsePublicJwk).filter((jwk): jwk is PublicJwk => jwk !== undefined);
  // import now every key whose algorithm is known, so requests never pay for it;
  // a key WebCrypto refuses (a point off its curve, say) is dropped from the set
  const imported = await Promise.all(candidates.map(preimport));
  const keys = imported.filter((key): key is CachedKey => key !== undefined);
  const byKid = new Map<string, CachedKey[]>();
  for (const key of keys) {
    if (key.jwk.kid === undefined) continue;
    const list = byKid.get(key.jwk.kid);
    if (list) list.push(key);
    else byKid.set(key.jwk.kid, [key]);
  }
  return { keys, byKid, selected: new Map() };
}

async function preimport(jwk: PublicJwk): Promise<CachedKey | undefined> {
  const key: CachedKey = { jwk, imports: new Map() };
  const alg = jwk.alg ?? soleAlgorithm(jwk);
  if (alg === undefined) return key; // an RSA key without "alg" serves RS* and PS*: imported per alg on first use
  try {
    await importFor(key, alg);
    return key;
  } catch {
    return undefined;
  }
}

function soleAlgorithm(jwk: PublicJwk): Algorithm | undefined {
  if (jwk.kty === 'RSA') return undefined;
  for (const [alg, spec] of Object.entries(ALGORITHMS) as [Algorithm, (typeof ALGORITHMS)[Algorithm]][]) {
    if (spec.kty === jwk.kty && spec.crv === jwk.crv) return alg;
  }
  return undefined;
}

function importFor(key: CachedKey, alg: Algorithm): Promise<CryptoKey> {
  let imported = key.imports.get(alg);
  if (!imported) {
    imported = importPublicKey(key.jwk, alg);
    imported.catch(() => {}); // a refused key is reported where it is awaited
    key.imports.set(alg, imported);
  }
  return imported;
}
