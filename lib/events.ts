/**
 * What the library tells an `onEvent` hook: one plain object per event, for
 * logs, metrics and traces. Events never carry a token, a signature or key
 * material; `detail` may carry the configured expectations (audiences,
 * organizations), which is why it goes to hooks and never over HTTP.
 * @module
 */
import type { AuthErrorCode, AuthErrorDetail, AuthErrorStatus } from './errors.js';

/** Every event an `onEvent` hook receives. */
export type AuthEvent =
  /**
   * A token passed every check; `cached` when the verified-token cache answered.
   * `actors`: the acting chain (RFC 8693 §4.1 `act`, the current actor first),
   * present only when someone acts for `sub`, for audit logs.
   */
  | { type: 'verified'; cached: boolean; sub: string | undefined; alg: string | undefined; actors?: ReadonlyArray<Readonly<Record<string, unknown>>> }
  /** A request or token was refused. `stage` names the pipeline stage that refused it. */
  | { type: 'rejected'; code: AuthErrorCode; status: AuthErrorStatus; stage: RejectionStage; message: string; detail: AuthErrorDetail | undefined }
  /**
   * A JWKS request finished: `ok` with `keyCount` (usable keys), or failed with
   * `error` (a message, never the body). `reason`: `cold` (nothing cached),
   * `ttl` (a refresh past `jwksCacheTtl`, in the background once keys are
   * known), `unknown-kid` (a token named a key we do not have), `retry` (after
   * a failure). `durationMs` counts from the request to the parsed key set.
   */
  | { type: 'jwks-fetched'; jwksUri: string; ok: boolean; durationMs: number; keyCount?: number; error?: string; reason: JwksFetchReason }
  /** Keys past `jwksCacheTtl` answered a request while a refresh runs or after one failed; `ageMs` since they were fetched. */
  | { type: 'jwks-stale-served'; jwksUri: string; ageMs: number }
  /** With nothing usable cached, a fetch failed: the JWKS is not asked again for `retryInMs` (what `Retry-After` says); `failures` in a row. */
  | { type: 'jwks-backoff'; jwksUri: string; retryInMs: number; failures: number }
  /** A verified token was refused because it, its user or its session was revoked. */
  | { type: 'token-revoked'; by: 'jti' | 'sub' | 'sid' | 'all' | 'org' | 'scope' | 'member'; sub: string | undefined }
  /** The shared store could not be read or written; the last known state keeps applying. */
  | { type: 'store-error'; operation: string; error: string }
  /** A webhook or back-channel logout request failed inside (a store or revocation call threw) and was answered 500, or its body could not be read (`status` 400). */
  | { type: 'handler-error'; handler: 'logto-webhook' | 'backchannel-logout'; status: 400 | 500; error: string }
  /**
   * A value read from the shared store was ignored: it carries no valid
   * integrity tag (written without the store's `integrityKey`), or it is out
   * of bounds (a revocation dated in the future). `reason` says which; the
   * value itself is never included.
   */
  | { type: 'store-value-ignored'; operation: string; reason: string };

/** Where in the pipeline a request was refused. */
export type RejectionStage = 'request' | 'cross-origin' | 'token' | 'keys' | 'signature' | 'claims' | 'revocation' | 'guard';

/**
 * The stage each code comes from in the verification pipeline (a guard reports
 * its own 403s as `guard`). `ALGORITHM_NOT_ALLOWED` is a fault of the token's
 * header: its `alg` is not allowed, or does not fit the key its `kid` names.
 */
export const REJECTION_STAGE: Readonly<Record<AuthErrorCode, RejectionStage>> = Object.freeze({
  TOKEN_MISSING: 'request',
  CSRF_REJECTED: 'cross-origin',
  TOKEN_MALFORMED: 'token',
  TOKEN_TYPE_INVALID: 'token',
  ALGORITHM_NOT_ALLOWED: 'token',
  KEY_NOT_FOUND: 'keys',
  JWKS_UNAVAILABLE: 'keys',
  SIGNATURE_INVALID: 'signature',
  TOKEN_EXPIRED: 'claims',
  TOKEN_NOT_YET_VALID: 'claims',
  ISSUER_INVALID: 'claims',
  AUDIENCE_INVALID: 'claims',
  SCOPE_MISSING: 'claims',
  ORGANIZATION_INVALID: 'claims',
  TOKEN_REVOKED: 'revocation',
  REVOCATION_UNAVAILABLE: 'revocation',
  CLAIM_INVALID: 'guard',
  ACTOR_INVALID: 'claims',
  TOKEN_TYPE_NOT_ACCEPTED: 'claims',
  CLIENT_NOT_ALLOWED: 'claims',
});

/** Why a JWKS was requested. */
export type JwksFetchReason = 'cold' | 'ttl' | 'unknown-kid' | 'retry';

/** A `verified` event; `actors` (the acting chain) only when someone acts for `sub`. */
export function verifiedEvent(cached: boolean, sub: string | null | undefined, alg: string | undefined, actors: ReadonlyArray<Readonly<Record<string, unknown>>> | undefined): AuthEvent {
  const event: Extract<AuthEvent, { type: 'verified' }> = { type: 'verified', cached, sub: sub ?? undefined, alg };
  if (actors !== undefined && actors.length > 0) event.actors = actors;
  return event;
}

/** Longest error text an event carries, in characters. */
export const MAX_EVENT_ERROR_LENGTH = 200;

/**
 * An error's message for an event, with what could be a secret taken out: the
 * userinfo and query of any URL, a `Bearer` credential, and anything past
 * `MAX_EVENT_ERROR_LENGTH` characters (a server's error text may echo the
 * request it refused).
 */
export function redactedMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'the store failed';
  return message
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi, '$1')
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#]*)[?#]\S*/gi, '$1')
    .replace(/\b(bearer|basic)\s+\S+/gi, '$1 [redacted]')
    .slice(0, MAX_EVENT_ERROR_LENGTH);
}

/** A URL as events show it: without userinfo, query or fragment, which may carry a secret (`?token=`). */
export function eventUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.origin + parsed.pathname;
  } catch {
    return '[unparsable URL]';
  }
}

/** Calls the hook, if any; a hook that throws never breaks a request. */
export function emit(onEvent: ((event: AuthEvent) => void) | undefined, event: AuthEvent): void {
  if (onEvent === undefined) return;
  try {
    onEvent(event);
  } catch {
    // the hook is the app's logging; its failure must not become an auth failure
  }
}
