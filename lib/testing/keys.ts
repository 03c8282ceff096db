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
