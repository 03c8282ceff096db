/**
 * The claims of a verified access token (RFC 7519 §4.1, RFC 9068 §2.2):
 * types first, then `exp`, `nbf`, `iss`, `aud`, and last `scope`.
 * Not checked: `iat` beyond its type, `jti` (no replay store), `client_id`.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 * @module
 */
import { AuthError } from './errors.js';

/** What the claims must satisfy; built once per options object. */
export interface ExpectedClaims {
  issuers: ReadonlySet<string>;
  audiences: ReadonlySet<string>;
  /** Every one must be in the token's `scope`. */
  requiredScopes: readonly string[];
  clockToleranceSec: number;
}

/** The verified claims set: registered claims typed, everything else as the issuer sent it. */
export interface JWTPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  scope?: string;
  client_id?: string;
  [claim: string]: unknown;
}

/** What verification hands the app: the user, or a guest in guest mode. */
export interface AuthContext {
  /** The token's `sub`; `null` for a guest. */
  userId: string | null;
  isAuthenticated: boolean;
  /** The verified claims; `null` for a guest. */
  payload: JWTPayload | null;
  isGuest?: boolean;
  guestId?: string;
}

/**
 * Checks the claims against `expected` at `nowSec` (seconds since the epoch).
 * Throws `TOKEN_MALFORMED` for a missing `exp` or a claim of the wrong type,
 * then `TOKEN_EXPIRED`, `TOKEN_NOT_YET_VALID`, `ISSUER_INVALID`,
 * `AUDIENCE_INVALID`, and last `SCOPE_MISSING` (the only 403).
 */
export function checkClaims(payload: Record<string, unknown>, expected: ExpectedClaims, nowSec: number): asserts payload is JWTPayload {
  const { exp, nbf, iat, iss, aud, sub, scope } = payload;
  // RFC 9068 §2.2: an access token must say when it expires
  if (exp === undefined) throw malformed('exp', 'the token has no "exp" (expiration time) claim');
  if (!isNumericDate(exp)) throw malformed('exp', 'the "exp" (expiration time) claim is not a number');
  if (nbf !== undefined && !isNumericDate(nbf)) throw malformed('nbf', 'the "nbf" (not before) claim is not a number');
  if (iat !== undefined && !isNumericDate(iat)) throw malformed('iat', 'the "iat" (issued at) claim is not a number');
  if (iss !== undefined && typeof iss !== 'string') throw malformed('iss', 'the "iss" (issuer) claim is not a string');
  if (sub !== undefined && typeof sub !== 'string') throw malformed('sub', 'the "sub" (subject) claim is not a string');
  if (aud !== undefined && typeof aud !== 'string' && !isStringArray(aud)) throw malformed('aud', 'the "aud" (audience) claim is neither a string nor an array of strings');
  // RFC 9068 §2.2.3 and RFC 8693 §4.2: scope is one space-delimited string
  if (scope !== undefined && typeof scope !== 'string') throw malformed('scope', 'the "scope" claim is not a string');

  // RFC 7519 §4.1.4: expired at exp itself, hence <=
  if (exp <= nowSec - expected.clockToleranceSec) {
    throw new AuthError('TOKEN_EXPIRED', 'the token has expired ("exp" is in the past)', { detail: { claim: 'exp', expected: `after ${nowSec - expected.clockToleranceSec}`, actual: exp } });
  }
  if (nbf !== undefined && nbf > nowSec + expected.clockToleranceSec) {
    throw new AuthError('TOKEN_NOT_YET_VALID', 'the token is not valid yet ("nbf" is in the future)', { detail: { claim: 'nbf', expected: `at most ${nowSec + expected.clockToleranceSec}`, actual: nbf } });
  }
  if (iss === undefined || !expected.issuers.has(iss)) {
    const issuers = [...expected.issuers];
    throw new AuthError('ISSUER_INVALID', `the token "iss" (issuer) is not ${issuers.join(' or ')}`, { detail: { claim: 'iss', expected: issuers, actual: iss } });
  }
  if (!hasExpectedAudience(aud, expected.audiences)) {
    const audiences = [...expected.audiences];
    throw new AuthError('AUDIENCE_INVALID', `the token "aud" (audience) does not contain ${audiences.join(' or ')}`, { detail: { claim: 'aud', expected: audiences, actual: aud } });
  }
  if (expected.requiredScopes.length > 0) assertScopes(scope, expected.requiredScopes);
}

function hasExpectedAudience(aud: string | string[] | undefined, audiences: ReadonlySet<string>): boolean {
  if (typeof aud === 'string') return audiences.has(aud);
  if (aud === undefined) return false;
  for (const value of aud) if (audiences.has(value)) return true;
  return false;
}

// RFC 6749 §3.3: scopes are case-sensitive and space-delimited; a scope matches
// only exactly ("read" never passes for "read:all" or "overwrite").
function assertScopes(scope: string | undefined, required: readonly string[]): void {
  const granted = scope === undefined ? [] : scope.split(' ');
  const missing = required.filter((name) => !granted.includes(name));
  if (missing.length === 0) return;
  throw new AuthError('SCOPE_MISSING', `the token lacks the required scope ${missing.join(' ')}`, {
    detail: { claim: 'scope', expected: [...required], actual: granted.filter((name) => name !== '') },
  });
}

// RFC 7519 §2: a NumericDate is a JSON number; JSON.parse turns 1e400 into Infinity, which is not one
function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function malformed(claim: string, message: string): AuthError {
  return new AuthError('TOKEN_MALFORMED', message, { detail: { claim } });
}
