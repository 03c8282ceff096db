/**
 * The back-channel logout endpoint's logic: read `logout_token` from an
 * `application/x-www-form-urlencoded` POST, verify it, refuse a replayed
 * `jti`, and revoke the session (`sid`) or the user (`sub`). Answers as
 * OIDC Back-Channel Logout 1.0 §2.8 says: 200, or 400 with an error.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCResponse
 * @module
 */
import { isAuthError } from '../errors.js';
import { resolveOptions } from '../options.js';
import type { Store } from '../stores/store.js';
import { LOGOUT_TOKEN_MAX_AGE_SEC, verifyLogoutToken, type LogoutClaims, type LogoutTokenExpectations } from './logout-token.js';

/** What the logout handler revokes through: the app's revocation list. */
export interface LogoutRevocationTarget {
  revokeUser(sub: string): unknown;
  revokeSession(sid: string): unknown;
}

/** How the back-channel logout endpoint is set up. */
export interface BackchannelLogoutOptions {
  /** Logto endpoint, as for `verifyAuth`. Required. */
  logtoUrl: string;
  /** The app's client id in Logto: logout tokens are addressed to it (`aud`). Required. */
  clientId: string;
  /** Where revocations go (a revocation list). Required. */
  revocation: LogoutRevocationTarget;
  /**
   * Remembers each logout token's `jti` with set-if-absent, so a replayed
   * token is refused. Use the fleet's shared store. Default: in-process.
   */
  store?: Pick<Store, 'setIfAbsent'>;
  /**
   * `session`: revoke the session named by `sid` (the user's other sessions
   * stay), or the user when the token has no `sid`. `user`: revoke every
   * token of `sub` (and the session too). Default: `session`.
   */
  revoke?: 'session' | 'user';
  /** Oldest `iat` accepted, in seconds. Default: `120`. */
  maxTokenAge?: number;
  /** Leeway for `iat` and `exp`, in seconds. Default: `0`. */
  clockTolerance?: number;
  issuer?: string | string[];
  jwksUri?: string;
  algorithms?: string[];
  fetch?: typeof fetch;
}

/** §2.8: 200 on success; 400 with `invalid_request` otherwise. */
export interface LogoutAnswer {
  status: 200 | 400;
  body: { ok: true } | { error: 'invalid_request'; error_description: string };
}

/** Settings resolved once, when a handler is made. */
export interface BackchannelLogoutSettings {
  expectations: LogoutTokenExpectations;
  revocation: LogoutRevocationTarget;
  store: Pick<Store, 'setIfAbsent'>;
  revoke: 'session' | 'user';
}

/** Checks the options and resolves them; throws `TypeError` for bad ones. */
export function resolveBackchannelLogout(options: BackchannelLogoutOptions): BackchannelLogoutSettings {
  if (typeof options !== 'object' || options === null) throw new TypeError('logto-authkit: back-channel logout options must be an object');
  if (typeof options.clientId !== 'string' || options.clientId === '') throw new TypeError('logto-authkit: clientId is required (the app id in Logto the logout tokens are addressed to)');
  if (typeof options.revocation?.revokeUser !== 'function' || typeof options.revocation.revokeSession !== 'function') throw new TypeError('logto-authkit: revocation is required (a revocation list with revokeUser and revokeSession)');
  if (options.revoke !== undefined && options.revoke !== 'session' && options.revoke !== 'user') throw new TypeError('logto-authkit: revoke must be "session" or "user"');
  const maxAgeSec = options.maxTokenAge ?? LOGOUT_TOKEN_MAX_AGE_SEC;
  if (typeof maxAgeSec !== 'number' || !(maxAgeSec > 0)) throw new TypeError('logto-authkit: maxTokenAge must be a number of seconds > 0');
  const { logtoUrl, issuer, jwksUri, algorithms, fetch, clockTolerance } = options;
  // the same resolution (and so the same JWKS cache) as access tokens from this tenant
  const resolved = resolveOptions({ logtoUrl, audience: options.clientId, issuer, jwksUri, algorithms, fetch, clockTolerance }, { fresh: true });
  return {
    expectations: { keys: resolved, algorithms: resolved.algorithms, issuers: resolved.expected.issuers, clientId: options.clientId, clockToleranceSec: resolved.expected.clockToleranceSec, maxAgeSec },
    revocation: options.revocation,
    store: options.store ?? localReplayStore(),
    revoke: options.revoke ?? 'session',
  };
}

/** Handles one POST: the form body as text and its content type. */
export async function handleBackchannelLogout(body: string, contentType: string | null | undefined, settings: BackchannelLogoutSettings): Promise<LogoutAnswer> {
  // §2.5: the logout token comes as a form parameter
  if (!contentType || contentType.split(';')[0]!.trim().toLowerCase() !== 'application/x-www-form-urlencoded') return invalid('the body must be application/x-www-form-urlencoded');
  const tokens = new URLSearchParams(body).getAll('logout_token');
  if (tokens.length !== 1) return invalid('exactly one logout_token is required');
  let claims: LogoutClaims;
  try {
    claims = await verifyLogoutToken(tokens[0]!, settings.expectations);
  } catch (error) {
    if (!isAuthError(error)) throw error;
    return invalid(error.code === 'JWKS_UNAVAILABLE' ? 'the issuer keys are unavailable' : `the logout token is not valid (${error.code})`);
  }
  // §2.6 step 10 (optional there, required here): a jti seen before is a replay; kept past the age window
  const ttlMs = (settings.expectations.maxAgeSec + settings.expectations.clockToleranceSec) * 2000;
  if (!(await settings.store.setIfAbsent(`logto-authkit:logout-jti:${claims.iss}:${claims.jti}`, '1', ttlMs))) return invalid('the logout token was already used');
  if (claims.sid !== undefined) await settings.revocation.revokeSession(claims.sid);
  if (claims.sub !== undefined && (settings.revoke === 'user' || claims.sid === undefined)) await settings.revocation.revokeUser(claims.sub);
  return { status: 200, body: { ok: true } };
}

function invalid(description: string): LogoutAnswer {
  return { status: 400, body: { error: 'invalid_request', error_description: description } };
}

function localReplayStore(): Pick<Store, 'setIfAbsent'> {
  const seen = new Map<string, number>();
  return {
    async setIfAbsent(key, _value, ttlMs) {
      const now = Date.now();
      for (const [old, until] of seen) if (until <= now) seen.delete(old);
      if (seen.has(key)) return false;
      seen.set(key, now + ttlMs);
      return true;
    },
  };
}
