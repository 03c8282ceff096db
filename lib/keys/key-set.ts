/**
 * A JWKS document turned into keys we may verify with: the size caps, the
 * per-key checks of `jose/jwk.ts`, `CryptoKey`s imported once and kept beside
 * their JWKs, and key selection for a token's `alg` and `kid`. Every JWKS is
 * built here, whether it came from the issuer or from a shared store, so both
 * pass the same checks.
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 * @module
 */
import { ALGORITHMS, importPublicKey, keyFitsAlgorithm, parsePublicJwk, type Algorithm, type PublicJwk } from '../jose/jwk.js';

/** Largest JWKS document read, in bytes (UTF-8). Logto's is about 1 KB per key. */
export const MAX_JWKS_BYTES = 256 * 1024;
/** Most keys one JWKS may hold; a larger set is refused whole. */
export const MAX_JWKS_KEYS = 100;

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

/** The usable keys of one JWKS document. */
export interface KeySet {
  readonly keys: readonly CachedKey[];
  readonly byKid: ReadonlyMap<string, readonly CachedKey[]>;
  /** Keys already chosen and imported, by alg then kid: what `findKey` serves without awaiting. */
  readonly selected: Map<Algorithm, Map<string | undefined, SelectedKey>>;
}

/** What `selectKey` found: the one key, or why there is none. */
export type Match = CachedKey | 'unknown-kid' | 'no-fit' | 'no-candidate' | 'ambiguous';

/**
 * Builds a key set from JWKS text (a response body, or a copy from a shared
 * store), with every cap and check of `buildKeySet`, plus `MAX_JWKS_BYTES`.
 */
export function keySetFromText(text: string): Promise<KeySet> {
  // a UTF-8 byte is at most one UTF-16 unit, so the cheap length test refuses most oversized text first
  if (text.length > MAX_JWKS_BYTES || new TextEncoder().encode(text).byteLength > MAX_JWKS_BYTES) throw new Error(`the JWKS is larger than ${MAX_JWKS_BYTES} bytes`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // not the parser's message: it quotes the text it choked on
    throw new Error('the JWKS is not valid JSON');
  }
  return buildKeySet(document);
}

/**
 * Builds a key set from a parsed JWKS document. Throws a plain `Error` (the
 * caller decides the code) when there is no `keys` array or more than
 * `MAX_JWKS_KEYS` members; a member that is not a usable public signing key
 * (private, symmetric, another use or `key_ops`, weak, or refused by
 * WebCrypto) is dropped.
 */
export async function buildKeySet(document: unknown): Promise<KeySet> {
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

/** The one key of `keySet` for a token's `alg` and `kid`, or why there is none. */
export function selectKey(keySet: KeySet, alg: Algorithm, kid: string | undefined): Match {
  // filter keys based on the JWK Key ID in the header; a token without kid may use any key
  const named = kid === undefined ? keySet.keys : keySet.byKid.get(kid);
  if (!named) return 'unknown-kid';
  // filter keys whose type, curve and own "alg" fit the token's alg (RFC 7517 §4.4)
  const fitting = named.filter((key) => keyFitsAlgorithm(key.jwk, alg));
  if (fitting.length === 1) return fitting[0]!;
  if (fitting.length > 1) return 'ambiguous';
  return kid === undefined ? 'no-candidate' : 'no-fit';
}

/**
 * Remembers the key chosen for `alg` and `kid`. Only a key that was found and
 * imported gets here, under a kid that names it (or none), so the memo is
 * bounded by the set it belongs to and dies with it.
 */
export function rememberSelected(keySet: KeySet, alg: Algorithm, kid: string | undefined, selected: SelectedKey): void {
  let byKid = keySet.selected.get(alg);
  if (!byKid) keySet.selected.set(alg, (byKid = new Map()));
  byKid.set(kid, selected);
}

/** The `CryptoKey` of `key` for `alg`, imported once per key and alg. */
export function importFor(key: CachedKey, alg: Algorithm): Promise<CryptoKey> {
  let imported = key.imports.get(alg);
  if (!imported) {
    imported = importPublicKey(key.jwk, alg);
    imported.catch(() => {}); // a refused key is reported where it is awaited
    key.imports.set(alg, imported);
  }
  return imported;
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
