/**
 * The verification pipeline: `verifyLogtoToken` for a token string and
 * `verifyAuth` for a request, each a short list of named stages. The signature
 * is checked before any claim, so a forged token never gets a claim-based code.
 * A token verified before under the same options is served from the
 * verified-token cache (`token-cache.ts`) only while a fresh verification would
 * give the same answer: inside `exp`/`nbf` now, its key still in a fresh JWKS.
 * @module
 */
import { checkClaims, type JWTPayload } from './jose/claims.js';
import { contextOf, type AuthContext } from './context.js';
import { AuthError, isAuthError } from './errors.js';
import { guestContext, guestIdFromCookie, isGuestEligible, newGuestId } from './request/guest.js';
import { isAlgorithm, type Algorithm } from './jose/jwk.js';
import { findKey, getKey, isKeyFresh } from './keys/jwks-cache.js';
import { parseCompact, verifySignature } from './jose/jws.js';
import { resolveOptions, type ResolvedOptions, type VerifyAuthOptions } from './options.js';
import { findVerified, forgetVerified, rememberVerified, seenBefore } from './token-cache.js';
import { readCredentials, type AuthInput } from './request/token-source.js';

/**
 * Verifies one Logto access token: structure, `typ`, algorithm, signature
 * against the issuer's JWKS, then `exp`, `nbf`, `iss`, `aud` and the required
 * scopes. Throws `AuthError`; never applies guest mode. Bad options throw
 * `TypeError` before any network use.
 * Does not check revocation: a token stays valid until its `exp`.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export async function verifyLogtoToken(token: string, options: VerifyAuthOptions): Promise<AuthContext> {
  return verifyToken(token, resolveOptions(options));
}

/**
 * Finds the token in a request (the cookie `cookieName`, then
 * `Authorization: Bearer`) and verifies it. Takes a token string, a Fetch
 * `Request`, a Node/Express `req` or `{ headers, cookies }`. Throws `AuthError`,
 * or in guest mode returns a guest context for a missing or failing token
 * (a 403 or 503 is still thrown).
 */
export async function verifyAuth(input: AuthInput, options: VerifyAuthOptions): Promise<AuthContext> {
  const outcome = await authenticate(input, resolveOptions(options));
  if (outcome.error) throw outcome.error;
  return outcome.auth;
}

/** What the HTTP shims need from one request. */
export type AuthOutcome =
  | { auth: AuthContext; error?: undefined; newGuestId: boolean; secure: boolean }
  | { auth?: undefined; error: AuthError; newGuestId: false; secure: boolean };

/**
 * `verifyAuth` for the shims: an `AuthError` comes back as a value, with
 * whether a new guest id was made (so a cookie must be set) and whether the
 * request was https. Other errors are thrown.
 */
export async function authenticate(input: AuthInput, options: ResolvedOptions): Promise<AuthOutcome> {
  const credentials = readCredentials(input);
  const secure = credentials.secure;
  try {
    const token = credentials.token(options.cookieName);
    if (token === undefined) throw new AuthError('TOKEN_MISSING', 'no access token in the cookie or the Authorization header');
    return { auth: await verifyToken(token, options), newGuestId: false, secure };
  } catch (error) {
    if (!isAuthError(error)) throw error;
    if (!options.allowGuest || !isGuestEligible(error)) return { error, newGuestId: false, secure };
    const known = guestIdFromCookie(credentials.cookie(options.guestCookieName));
    return { auth: guestContext(known ?? newGuestId()), newGuestId: known === undefined, secure };
  }
}

async function verifyToken(token: string, options: ResolvedOptions): Promise<AuthContext> {
  const now = Date.now();
  const remembered = options.tokenCache ? recallVerified(token, options, now) : undefined;
  if (remembered) return remembered;
  const jws = parseCompact(token); // TOKEN_MALFORMED, TOKEN_TYPE_INVALID
  const alg = assertAlgorithmAllowed(jws.header.alg, options); // ALGORITHM_NOT_ALLOWED, before any JWKS traffic
  // a warm JWKS cache answers without a promise; a fetch, a refetch or an error goes through getKey
  const key = findKey(options, alg, jws.header.kid, now) ?? (await getKey(options, alg, jws.header.kid)); // KEY_NOT_FOUND, JWKS_UNAVAILABLE
  await verifySignature(jws, alg, key.cryptoKey, key.signatureLength); // SIGNATURE_INVALID
  checkClaims(jws.payload, options.expected, Date.now() / 1000); // exp, nbf, iss, aud, organization, then scope
  const remember = options.tokenCache && seenBefore(token);
  return contextOf(remember ? ownCopy(rememberVerified(options, token, jws.payload, key.cachedKey)) : jws.payload);
}

function assertAlgorithmAllowed(alg: string, options: ResolvedOptions): Algorithm {
  if (isAlgorithm(alg) && options.algorithms.has(alg)) return alg;
  const allowed = [...options.algorithms];
  throw new AuthError('ALGORITHM_NOT_ALLOWED', `the token "alg" is not one of ${allowed.join(', ')}`, { detail: { claim: 'alg', expected: allowed, actual: alg } });
}

// A token verified before is served only while a fresh verification would
// accept it now: the key that verified it is still in a JWKS that is itself
// fresh (past the TTL the token goes through getKey, so a refresh notices a
// removed key), and the claims pass with the current clock through the same
// checkClaims (so it expires exactly when a fresh verification would say
// TOKEN_EXPIRED). Otherwise the entry is dropped and the token verified in full.
function recallVerified(token: string, options: ResolvedOptions, now: number): AuthContext | undefined {
  const verified = findVerified(options, token);
  if (!verified) return undefined;
  const payload = verified.payload as Record<string, unknown>;
  if (isKeyFresh(options, verified.key, now) && passesClaims(payload, options, now)) return contextOf(ownCopy(payload));
  forgetVerified(verified);
  return undefined;
}

function passesClaims(payload: Record<string, unknown>, options: ResolvedOptions, now: number): boolean {
  try {
    checkClaims(payload, options.expected, now / 1000);
    return true;
  } catch {
    return false;
  }
}

// A payload the token cache keeps is shared by every request that hits it: each
// gets its own top level, so what one request changes is not what the next one
// reads (the nested values are frozen). A freshly parsed payload is the
// caller's alone and needs no copy.
function ownCopy(shared: Readonly<Record<string, unknown>>): JWTPayload {
  return { ...shared };
}
