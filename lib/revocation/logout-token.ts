/**
 * OIDC Back-Channel Logout 1.0: verify a logout token the issuer POSTs when a
 * session ends, with the same JWS parsing, algorithm allow-list and JWKS cache
 * as access tokens, then its own claims (§2.4, checked as §2.6 says).
 * A logout token is never accepted as an access token (its `typ` is
 * `logout+jwt`) and an access token never as a logout token.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation
 * @module
 */
import { AuthError } from '../errors.js';
import { isAlgorithm } from '../jose/jwk.js';
import { parseCompact, verifySignature } from '../jose/jws.js';
import { getKey, type KeySource } from '../keys/jwks-cache.js';

/** The event member a logout token must carry (§2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** How old (by `iat`) a logout token may be, by default: it is sent the moment a session ends. */
export const LOGOUT_TOKEN_MAX_AGE_SEC = 120;

/** What a verified logout token says: whose session ended. At least one of `sub` and `sid`. */
export interface LogoutClaims {
  iss: string;
  sub: string | undefined;
  sid: string | undefined;
  jti: string;
  iat: number;
  exp: number | undefined;
}

/** What the verifier needs: where keys come from, and what the token must say. */
export interface LogoutTokenExpectations {
  keys: KeySource;
  algorithms: ReadonlySet<string>;
  issuers: ReadonlySet<string>;
  /** The app's client id in Logto: the token's `aud` must contain it. */
  clientId: string;
  clockToleranceSec: number;
  maxAgeSec: number;
}

/**
 * Verifies a logout token: `typ` `logout+jwt`, an allowed `alg`, the signature
 * against the issuer's JWKS, `iss`, `aud` containing the client id, `iat`
 * within `maxAgeSec`, `exp` when present (older Logto omits it), the
 * back-channel logout event, no `nonce`, a `jti`, and `sub` and/or `sid`.
 * Throws `AuthError` (401 codes, or `TOKEN_MALFORMED` for a claim that breaks §2.4).
 */
export async function verifyLogoutToken(token: string, expected: LogoutTokenExpectations, nowSec: number = Date.now() / 1000): Promise<LogoutClaims> {
  const jws = parseCompact(token, 'logout+jwt');
  const alg = jws.header.alg;
  if (!isAlgorithm(alg) || !expected.algorithms.has(alg)) throw new AuthError('ALGORITHM_NOT_ALLOWED', 'the logout token "alg" is not allowed', { detail: { claim: 'alg', actual: alg } });
  const key = await getKey(expected.keys, alg, jws.header.kid);
  await verifySignature(jws, alg, key.cryptoKey, key.signatureLength);
  return checkLogoutClaims(jws.payload, expected, nowSec);
}

function checkLogoutClaims(payload: Record<string, unknown>, expected: LogoutTokenExpectations, nowSec: number): LogoutClaims {
  const { iss, aud, iat, exp, jti, sub, sid, events } = payload;
  if (typeof iss !== 'string' || !expected.issuers.has(iss)) throw new AuthError('ISSUER_INVALID', 'the logout token "iss" (issuer) is not the expected issuer', { detail: { claim: 'iss', expected: [...expected.issuers], actual: iss } });
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.includes(expected.clientId)) throw new AuthError('AUDIENCE_INVALID', 'the logout token "aud" (audience) does not contain the client id', { detail: { claim: 'aud', expected: expected.clientId, actual: aud } });
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw malformed('iat', 'the logout token has no numeric "iat" (issued at) claim');
  // §2.6 step 7: a logout token is acted on at once; an old one is a replay or a delay we refuse
  if (iat < nowSec - expected.maxAgeSec - expected.clockToleranceSec) throw new AuthError('TOKEN_EXPIRED', 'the logout token is too old ("iat")', { detail: { claim: 'iat', expected: `after ${nowSec - expected.maxAgeSec}`, actual: iat } });
  if (iat > nowSec + expected.clockToleranceSec) throw new AuthError('TOKEN_NOT_YET_VALID', 'the logout token is issued in the future ("iat")', { detail: { claim: 'iat', actual: iat } });
  if (exp !== undefined && (typeof exp !== 'number' || !Number.isFinite(exp))) throw malformed('exp', 'the logout token "exp" is not a number');
  if (exp !== undefined && exp <= nowSec - expected.clockToleranceSec) throw new AuthError('TOKEN_EXPIRED', 'the logout token has expired ("exp")', { detail: { claim: 'exp', actual: exp } });
  // §2.4: "events" is a JSON object whose back-channel logout member is a JSON object
  const event = typeof events === 'object' && events !== null && !Array.isArray(events) ? (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT] : undefined;
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw malformed('events', 'the logout token has no back-channel logout event');
  // §2.4: a nonce is prohibited, so an ID token cannot be replayed as a logout token
  if (Object.hasOwn(payload, 'nonce')) throw malformed('nonce', 'the logout token carries a "nonce", which §2.4 prohibits');
  if (typeof jti !== 'string' || jti === '') throw malformed('jti', 'the logout token has no "jti"');
  if (sub !== undefined && (typeof sub !== 'string' || sub === '')) throw malformed('sub', 'the logout token "sub" is not a string');
  if (sid !== undefined && (typeof sid !== 'string' || sid === '')) throw malformed('sid', 'the logout token "sid" is not a string');
  if (sub === undefined && sid === undefined) throw malformed('sub', 'the logout token names neither "sub" nor "sid"');
  return { iss, sub, sid, jti, iat, exp };
}

function malformed(claim: string, message: string): AuthError {
  return new AuthError('TOKEN_MALFORMED', message, { detail: { claim } });
}
