/**
 * The test issuer's signing keys: generated in memory with WebCrypto, one per
 * issuer (or per rotation), published as Logto publishes them: `kty, use, kid,
 * alg` then the key's members, `kid` the RFC 7638 thumbprint.
 * @see https://www.rfc-editor.org/rfc/rfc7638
 * @module
 */
import { encodeBase64url, encodeUtf8 } from '../jose/base64url.js';
import { ALGORITHMS, type Algorithm } from '../jose/jwk.js';

/** A key pair and the JWK a JWKS publishes for it. */
export interface SigningKey {
  alg: Algorithm;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: Record<string, string>;
}

// NIST SP 800-131A: 2048 bits is the smallest RSA modulus still allowed
const RSA_MODULUS_BITS = 2048;
const RSA_PUBLIC_EXPONENT = new Uint8Array([1, 0, 1]); // 65537

function generationParams(alg: Algorithm): RsaHashedKeyGenParams | EcKeyGenParams | { name: string } {
  const spec = ALGORITHMS[alg];
  if (spec.kty === 'RSA') return { ...(spec.importParams as RsaHashedImportParams), modulusLength: RSA_MODULUS_BITS, publicExponent: RSA_PUBLIC_EXPONENT };
  return spec.importParams as EcKeyGenParams | { name: string };
}

// RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'] };

async function thumbprint(jwk: JsonWebKey): Promise<string> {
  const members = THUMBPRINT_MEMBERS[jwk.kty!]!;
  const json = `{${members.map((name) => `"${name}":"${(jwk as Record<string, string>)[name]}"`).join(',')}}`;
  return encodeBase64url(new Uint8Array(await crypto.subtle.digest('SHA-256', encodeUtf8(json))));
}

/** Generates a key pair for `alg` (default ES384, Logto's own) with a thumbprint `kid`. */
export async function generateSigningKey(alg: Algorithm = 'ES384'): Promise<SigningKey> {
  const pair = (await crypto.subtle.generateKey(generationParams(alg), true, ['sign', 'verify'])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const kid = await thumbprint(jwk);
  // Logto's order: kty, use, kid, alg, then the key's own members
  const members: Record<string, string> = ALGORITHMS[alg].kty === 'RSA' ? { n: jwk.n!, e: jwk.e! } : ALGORITHMS[alg].kty === 'EC' ? { crv: jwk.crv!, x: jwk.x!, y: jwk.y! } : { crv: jwk.crv!, x: jwk.x! };
  return { alg, kid, privateKey: pair.privateKey, publicJwk: { kty: jwk.kty!, use: 'sig', kid, alg, ...members } };
}

/** Signs a compact JWS (RFC 7515 §7.1) with `header` and `payload` as given, in their own key order. */
export async function signCompact(key: Pick<SigningKey, 'alg' | 'privateKey'>, header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
  const input = `${encodeBase64url(encodeUtf8(JSON.stringify(header)))}.${encodeBase64url(encodeUtf8(JSON.stringify(payload)))}`;
  // ECDSA in WebCrypto already signs as raw r‖s, the form RFC 7518 §3.4 wants
  const signature = await crypto.subtle.sign(ALGORITHMS[key.alg].verifyParams, key.privateKey, encodeUtf8(input));
  return `${input}.${encodeBase64url(new Uint8Array(signature))}`;
}

// RFC 7518 §6.2.2, §6.3.2, RFC 8037 §2: what only the private half has
const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'key_ops', 'ext']);

/** The private JWK of a key (with `kid` and `alg`), for `signingKeys` when a test must keep its keys. */
export async function exportSigningKey(key: SigningKey): Promise<JsonWebKey & { kid: string; alg: Algorithm }> {
  const { key_ops: _ops, ext: _ext, ...jwk } = await crypto.subtle.exportKey('jwk', key.privateKey);
  return { ...jwk, kid: key.kid, alg: key.alg };
}

/** A key back from its private JWK (as `exportSigningKey` wrote it). Throws `TypeError` for anything else. */
export async function importSigningKey(jwk: JsonWebKey & { kid?: string; alg?: string }): Promise<SigningKey> {
  const alg = jwk.alg as Algorithm;
  if (typeof jwk.kid !== 'string' || !Object.hasOwn(ALGORITHMS, alg) || typeof jwk.d !== 'string') throw new TypeError('a signing key must be a private JWK with "kid" and an "alg" the library verifies');
  const { kid: _kid, alg: _alg, ...material } = jwk;
  const privateKey = await crypto.subtle.importKey('jwk', material, ALGORITHMS[alg].importParams, true, ['sign']);
  const members: Record<string, string> = {};
  for (const [name, value] of Object.entries(material)) if (!PRIVATE_MEMBERS.has(name) && name !== 'kty' && name !== 'use' && typeof value === 'string') members[name] = value;
  return { alg, kid: jwk.kid, privateKey, publicJwk: { kty: jwk.kty!, use: 'sig', kid: jwk.kid, alg, ...members } };
}
