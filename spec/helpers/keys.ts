// Test keys and tokens, minted by jose (a trusted signer, dev-only).
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import type { Algorithm } from '../../lib/jose/jwk.ts';

export const ALL_ALGORITHMS: readonly Algorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export interface TestKey {
  alg: Algorithm;
  kid: string;
  privateKey: CryptoKey;
  /** The public JWK as a JWKS would publish it (kid, use=sig, no alg unless asked). */
  publicJwk: JWK;
}

const cache = new Map<string, Promise<TestKey>>();

/** A key pair for `alg`; cached per (alg, kid) so suites do not pay for RSA generation twice. */
export function makeKey(alg: Algorithm, kid: string = alg.toLowerCase(), options: { withAlg?: boolean; fresh?: boolean } = {}): Promise<TestKey> {
  const id = `${alg}/${kid}/${options.withAlg ? 1 : 0}`;
  if (options.fresh) return generate(alg, kid, options.withAlg === true);
  let key = cache.get(id);
  if (!key) cache.set(id, (key = generate(alg, kid, options.withAlg === true)));
  return key;
}

async function generate(alg: Algorithm, kid: string, withAlg: boolean): Promise<TestKey> {
  const pair = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, use: 'sig', ...(withAlg ? { alg } : {}) };
  return { alg, kid, privateKey: pair.privateKey as CryptoKey, publicJwk };
}

export interface MintOptions {
  iss: string;
  aud: string | string[];
  /** Seconds from now; default 3600. */
  expiresIn?: number;
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
}

/** Signs an access token the way Logto shapes one (typ at+jwt, kid, sub, scope, client_id). */
export async function mint(key: TestKey, options: MintOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: options.iss,
    aud: options.aud,
    sub: 'user_123',
    iat: now,
    exp: now + (options.expiresIn ?? 3600),
    scope: 'read:data write:data',
    client_id: 'app_abc',
    jti: crypto.randomUUID(),
    ...options.claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete (payload as Record<string, unknown>)[name];
  const header = { alg: key.alg, typ: 'at+jwt', kid: key.kid, ...options.header };
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete (header as Record<string, unknown>)[name];
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
}
