/**
 * The back-channel logout endpoint's logic: read `logout_token` from an
 * `application/x-www-form-urlencoded` POST, verify it, refuse a replayed
 * `jti`, and revoke the user (`sub`) and the session (`sid`). Answers as
 * OIDC Back-Channel Logout 1.0 §2.8 says: 200, or 400 with an error.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCResponse
 * @module
 */
import { isAuthError } from '../errors.js';
import { resolveOptions } from '../options.js';
import type { AuthEvent } from '../events.js';
import { applyOnce, assertAppliedStore, localAppliedStore, type AppliedStore } from './applied-once.js';
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
   * Remembers each applied logout token's `jti`, so a replayed token is
   * refused; a token is remembered only once its revocations are applied, so a
   * retry after a failure applies it. Needs atomic set-if-absent (Redis,
   * Upstash, memory; Cloudflare KV is refused). Use the fleet's shared store.
   * Default: in-process.
   */
  store?: AppliedStore;
  /**
   * `user`: revoke every token of `sub` issued up to now, and the session.
   * `session`: revoke only the tokens that carry the logout token's `sid` (the
   * user's other sessions stay); only for apps whose access tokens carry a
   * `sid` claim, which Logto's do not by default (a custom JWT script adds it,
   * see the docs); a token without `sid` still falls back to the user.
   * Default: `user`, because Logto's default access tokens carry no `sid`: a
   * session revocation would answer 200 and refuse none of them.
   */
  revoke?: 'session' | 'user';
  /** Hears `handler-error` events (a failed store or revocation call; the POST was answered 500). Default: none. */
  onEvent?: (event: AuthEvent) => void;
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
  store: AppliedStore;
  revoke: 'session' | 'user';
  onEvent: ((event: AuthEvent) => void) | undefined;
}

/** Checks the options and resolves them; throws `TypeError` for bad ones. */
export function resolveBackchannelLogout(options: BackchannelLogoutOptions): BackchannelLogoutSettings {
  if (typeof options !== 'object' || options === null) throw new TypeError('logto-authkit: back-channel logout options must be an object');
  if (typeof options.clientId !== 'string' || options.clientId === '') throw new TypeError('logto-authkit: clientId is required (the app id in Logto the logout tokens are addressed to)');
  if (typeof options.revocation?.revokeUser !== 'function' || typeof options.revocation.revokeSession !== 'function') throw new TypeError('logto-authkit: revocation is required (a revocation list with revokeUser and revokeSession)');
  if (options.revoke !== undefined && options.revoke !== 'session' && options.revoke !== 'user') throw new TypeError('logto-authkit: revoke must be "session" or "user"');
  if (options.store !== undefined) assertAppliedStore(options.store, 'store');
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') throw new TypeError('logto-authkit: onEvent must be a function');
  const maxAgeSec = options.maxTokenAge ?? LOGOUT_TOKEN_MAX_AGE_SEC;
  if (typeof maxAgeSec !== 'number' || !(maxAgeSec > 0)) throw new TypeError('logto-authkit: maxTokenAge must be a number of seconds > 0');
  const { logtoUrl, issuer, jwksUri, algorithms, fetch, clockTolerance } = options;
  // the same resolution (and so the same JWKS cache) as access tokens from this tenant
  const resolved = resolveOptions({ logtoUrl, audience: options.clientId, issuer, jwksUri, algorithms, fetch, clockTolerance }, { fresh: true });
  return {
    expectations: { keys: resolved, algorithms: resolved.algorithms, issuers: resolved.expected.issuers, clientId: options.clientId, clockToleranceSec: resolved.expected.clockToleranceSec, maxAgeSec },
    revocation: options.revocation,
    store: options.store ?? localAppliedStore(),
    revoke: options.revoke ?? 'user',
    onEvent: options.onEvent,
  };
}

/**
 * Handles one POST: the form body as text and its content type. Rejects when
 * the store or a revocation fails: answer 5xx; the token was not remembered,
 * so Logto's retry (or the same token again) applies it.
 */
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
  const outcome = await applyOnce(settings.store, `logto-authkit:logout-jti:${claims.iss}:${claims.jti}`, ttlMs, async () => {
    if (claims.sid !== undefined) await settings.revocation.revokeSession(claims.sid);
    if (claims.sub !== undefined && (settings.revoke === 'user' || claims.sid === undefined)) await settings.revocation.revokeUser(claims.sub);
  });
  if (outcome.duplicate) return invalid('the logout token was already used');
  return { status: 200, body: { ok: true } };
}

function invalid(description: string): LogoutAnswer {
  return { status: 400, body: { error: 'invalid_request', error_description: description } };
}
