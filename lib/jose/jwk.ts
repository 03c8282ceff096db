/**
 * The JWS algorithms we verify and the JWKs they may use (RFC 7518 §3,
 * RFC 8037 §3.1), and the import of a public JWK into a WebCrypto `CryptoKey`.
 * An `alg` is bound to one key type and curve here, so an ES256 token is never
 * checked with a P-384 key and an RS token never with an EC key.
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 * @module
 */
import { decodeBase64url } from './base64url.js';

/** Every asymmetric JWS algorithm the library can verify. */
export type Algorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';

/** What one algorithm needs: its key type and curve, and its WebCrypto parameters. */
export interface AlgorithmSpec {
  kty: 'RSA' | 'EC' | 'OKP';
  /** The curve an EC or OKP key must have. */
  crv?: string;
  importParams: RsaImportParams | EcImportParams | Algorithm_;
  verifyParams: PssParams | EcdsaVerifyParams | Algorithm_;
  /** Byte length of an ECDSA (raw r‖s, RFC 7518 §3.4) or EdDSA signature; RSA's is the modulus length. */
  signatureLength?: number;
}
type Algorithm_ = { name: string };
// WebCrypto's parameter shapes, declared here: the DOM lib's names for them
// (RsaHashedImportParams, EcKeyImportParams, RsaPssParams, EcdsaParams) are
// missing from Cloudflare's Worker types, and the shipped .d.ts must not need them
type RsaImportParams = { name: string; hash: string };
type EcImportParams = { name: string; namedCurve: string };
type PssParams = { name: string; saltLength: number };
type EcdsaVerifyParams = { name: string; hash: string };

/** One row per algorithm: what key it needs and the WebCrypto parameters. */
export const ALGORITHMS: Readonly<Record<Algorithm, AlgorithmSpec>> = Object.freeze({
  RS256: { kty: 'RSA', importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } satisfies RsaImportParams, verifyParams: { name: 'RSASSA-PKCS1-v1_5' } },
  RS384: { kty: 'RSA', importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' } satisfies RsaImportParams, verifyParams: { name: 'RSASSA-PKCS1-v1_5' } },
  RS512: { kty: 'RSA', importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' } satisfies RsaImportParams, verifyParams: { name: 'RSASSA-PKCS1-v1_5' } },
  // RFC 7518 §3.5: the salt is as long as the hash, and MGF1 uses the same hash
  PS256: { kty: 'RSA', importParams: { name: 'RSA-PSS', hash: 'SHA-256' } satisfies RsaImportParams, verifyParams: { name: 'RSA-PSS', saltLength: 32 } satisfies PssParams }, // 256 >> 3
  PS384: { kty: 'RSA', importParams: { name: 'RSA-PSS', hash: 'SHA-384' } satisfies RsaImportParams, verifyParams: { name: 'RSA-PSS', saltLength: 48 } satisfies PssParams }, // 384 >> 3
  PS512: { kty: 'RSA', importParams: { name: 'RSA-PSS', hash: 'SHA-512' } satisfies RsaImportParams, verifyParams: { name: 'RSA-PSS', saltLength: 64 } satisfies PssParams }, // 512 >> 3
  ES256: { kty: 'EC', crv: 'P-256', importParams: { name: 'ECDSA', namedCurve: 'P-256' } satisfies EcImportParams, verifyParams: { name: 'ECDSA', hash: 'SHA-256' } satisfies EcdsaVerifyParams, signatureLength: 64 },
  ES384: { kty: 'EC', crv: 'P-384', importParams: { name: 'ECDSA', namedCurve: 'P-384' } satisfies EcImportParams, verifyParams: { name: 'ECDSA', hash: 'SHA-384' } satisfies EcdsaVerifyParams, signatureLength: 96 },
  ES512: { kty: 'EC', crv: 'P-521', importParams: { name: 'ECDSA', namedCurve: 'P-521' } satisfies EcImportParams, verifyParams: { name: 'ECDSA', hash: 'SHA-512' } satisfies EcdsaVerifyParams, signatureLength: 132 },
  // RFC 8037 §3.1: EdDSA also names Ed448, which WebCrypto does not widely have; we verify Ed25519 only
  EdDSA: { kty: 'OKP', crv: 'Ed25519', importParams: { name: 'Ed25519' }, verifyParams: { name: 'Ed25519' }, signatureLength: 64 },
});

/** The default allow-list: every algorithm above. */
export const ALGORITHM_NAMES = Object.freeze(Object.keys(ALGORITHMS) as Algorithm[]);

/** True for one of the algorithm names above (exact, case-sensitive: `es384` is not one). */
export function isAlgorithm(value: unknown): value is Algorithm {
  return typeof value === 'string' && Object.hasOwn(ALGORITHMS, value);
}

/** Smallest RSA modulus we trust (NIST SP 800-131A: 1024-bit RSA is disallowed). */
export const MIN_RSA_MODULUS_BITS = 2048;
/** Largest RSA modulus we import: bounds the CPU one hostile key can cost per verify. */
export const MAX_RSA_MODULUS_BITS = 8192;

// RFC 7518 §6.2.1.2: coordinates are exactly the curve's field size
const EC_COORDINATE_BYTES: Readonly<Record<string, number>> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };
const ED25519_PUBLIC_KEY_BYTES = 32;
// Members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2)
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * A public key from a JWKS, checked and ready to import. Only the public
 * members are kept: a private member anywhere makes the key unusable.
 */
export interface PublicJwk {
  kid: string | undefined;
  kty: 'RSA' | 'EC' | 'OKP';
  crv: string | undefined;
  /** The JWK's own `alg`, which then is the only algorithm it may verify. */
  alg: Algorithm | undefined;
  /** The members WebCrypto imports, and nothing else. */
  material: JsonWebKey;
  /** Signature length in bytes: RSA modulus length, or the curve's. */
  signatureLength: number;
}

/**
 * Checks one JWKS member and returns its public part, or `undefined` when the
 * key must not be used for verifying JWS: private material, an `oct` key,
 * `use` other than `sig`, `key_ops` without `verify`, an `alg` we do not verify
 * with, RSA under 2048 bits or with e = 1 or an even e, a ROCA-weak modulus, EC coordinates of the
 * wrong length. What it cannot see (an off-curve point) fails at import.
 */
export function parsePublicJwk(raw: unknown): PublicJwk | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const jwk = raw as Record<string, unknown>;
  for (const member of PRIVATE_MEMBERS) if (Object.hasOwn(jwk, member)) return undefined;
  const kid = jwk.kid;
  if (kid !== undefined && typeof kid !== 'string') return undefined;
  // RFC 7517 §4.2 and §4.3: a key meant for something else is not ours to verify with
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  if (jwk.key_ops !== undefined && !isVerifyKeyOps(jwk.key_ops)) return undefined;
  if (jwk.alg !== undefined && !isAlgorithm(jwk.alg)) return undefined;
  const alg = jwk.alg as Algorithm | undefined;

  if (jwk.kty === 'RSA') {
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') return undefined;
    if (alg !== undefined && ALGORITHMS[alg].kty !== 'RSA') return undefined;
    const n = decodeBase64url(jwk.n);
    const e = decodeBase64url(jwk.e);
    if (!n || !e) return undefined;
    const bits = bitLength(n);
    if (bits < MIN_RSA_MODULUS_BITS || bits > MAX_RSA_MODULUS_BITS) return undefined;
    if (!isUsableExponent(e)) return undefined;
    if (hasRocaFingerprint(n)) return undefined;
    return { kid, kty: 'RSA', crv: undefined, alg, material: { kty: 'RSA', n: jwk.n, e: jwk.e }, signatureLength: Math.ceil(bits / 8) };
  }
  if (jwk.kty === 'EC') {
    const size = typeof jwk.crv === 'string' ? EC_COORDINATE_BYTES[jwk.crv] : undefined;
    if (size === undefined || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') return undefined;
    if (alg !== undefined && ALGORITHMS[alg].crv !== jwk.crv) return undefined;
    if (decodeBase64url(jwk.x)?.length !== size || decodeBase64url(jwk.y)?.length !== size) return undefined;
    return { kid, kty: 'EC', crv: jwk.crv as string, alg, material: { kty: 'EC', crv: jwk.crv as string, x: jwk.x, y: jwk.y }, signatureLength: 2 * size };
  }
  if (jwk.kty === 'OKP') {
    if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') return undefined;
    if (alg !== undefined && alg !== 'EdDSA') return undefined;
    if (decodeBase64url(jwk.x)?.length !== ED25519_PUBLIC_KEY_BYTES) return undefined;
    return { kid, kty: 'OKP', crv: 'Ed25519', alg, material: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, signatureLength: 64 };
  }
  return undefined; // "oct" and unknown key types
}

// RFC 7517 §4.3: "key_ops" is an array of unique strings ("Duplicate key
// operation values MUST NOT be present"); a key we verify with must list "verify"
function isVerifyKeyOps(keyOps: unknown): boolean {
  if (!Array.isArray(keyOps)) return false;
  const seen = new Set<string>();
  for (let i = 0; i < keyOps.length; i++) {
    const op: unknown = keyOps[i]; // an indexed loop: a hole is undefined here, where every() would skip it
    if (typeof op !== 'string' || seen.has(op)) return false;
    seen.add(op);
  }
  return seen.has('verify');
}

/** True when the key may verify a token signed with `alg`: its type and curve fit, and its own `alg` (if any) is the same. */
export function keyFitsAlgorithm(key: PublicJwk, alg: Algorithm): boolean {
  const spec = ALGORITHMS[alg];
  if (key.alg !== undefined && key.alg !== alg) return false;
  return key.kty === spec.kty && (spec.crv === undefined || key.crv === spec.crv);
}

/** Imports the public key for one algorithm; rejects when WebCrypto refuses it (e.g. a point not on the curve). */
export function importPublicKey(key: PublicJwk, alg: Algorithm): Promise<CryptoKey> {
  return crypto.subtle.importKey('jwk', key.material, ALGORITHMS[alg].importParams, false, ['verify']);
}

function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}

// RFC 8017 §3.1: e is odd and at least 3. e = 1 would make the "signature" the
// padded message itself, forgeable by anyone. e = 3 is legal and safe with a
// strict PKCS#1 check like WebCrypto's (Wycheproof's valid vectors use it),
// though FIPS 186-5 §A.1.1 wants e > 2^16 for keys generated today. The cap
// bounds the work one hostile exponent can cost.
function isUsableExponent(e: Uint8Array): boolean {
  const bits = bitLength(e);
  return bits >= 2 && bits <= 256 && (e[e.length - 1]! & 1) === 1;
}

// ROCA (CVE-2017-15361): RSA keys from Infineon's flawed generator have a modulus
// n whose residue mod each small prime p lies in the subgroup generated by 65537.
// For a sound key that holds for all 38 primes below with negligible probability
// (Nemec et al., "The Return of Coppersmith's Attack", CCS 2017, §2.3).
const ROCA_PRIMES = [3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167];
let rocaSubgroups: Array<Set<number>> | undefined;

function hasRocaFingerprint(n: Uint8Array): boolean {
  rocaSubgroups ??= ROCA_PRIMES.map((p) => {
    const subgroup = new Set<number>();
    for (let x = 1; !subgroup.has(x); x = (x * (65537 % p)) % p) subgroup.add(x);
    return subgroup;
  });
  return ROCA_PRIMES.every((p, i) => rocaSubgroups![i]!.has(modSmall(n, p)));
}

function modSmall(bytes: Uint8Array, p: number): number {
  let r = 0;
  for (const byte of bytes) r = (r * 256 + byte) % p;
  return r;
}
