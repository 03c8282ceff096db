/**
 * The verification pipeline: `verifyLogtoToken` for a token string and
 * `verifyAuth` for a request, each a short list of named stages. The signature
 * is checked before any claim, so a forged token never gets a claim-based code.
 * @module
 */
import { checkClaims, type AuthContext } from './claims.js';
import { AuthError, isAuthError } from './errors.js';
import { guestContext, guestIdFromCookie, isGuestEligible, newGuestId } from './guest.js';
import { isAlgorithm } from './jwk.js';
import { getKey } from './jwks-cache.js';
import { parseCompact, verifySignature } from './jws.js';
import { resolveOptions, type ResolvedOptions, type VerifyAuthOptions } from './options.js';
import { readCredentials, type AuthInput } from './token-source.js';

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
  const jws = parseCompact(token);
  const alg = jws.header.alg;
  // the allow-list is checked before any JWKS traffic: no fetch for a token we would refuse anyway
  if (!isAlgorithm(alg) || !options.algorithms.has(alg)) {
    throw new AuthError('ALGORITHM_NOT_ALLOWED', `the token "alg" is not one of ${[...options.algorithms].join(', ')}`, { detail: { claim: 'alg', expected: [...options.algorithms], actual: alg } });
  }
  const key = await getKey(options, alg, jws.header.kid);
  await verifySignature(jws, alg, key.cryptoKey, key.signatureLength);
  const payload = jws.payload;
  checkClaims(payload, options.expected, Date.now() / 1000);
  return { userId: payload.sub ?? null, isAuthenticated: true, payload };
}
