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
  /** A token passed every check; `cached` when the verified-token cache answered. */
  | { type: 'verified'; cached: boolean; sub: string | undefined; alg: string | undefined }
  /** A request or token was refused. `stage` names the pipeline stage that refused it. */
  | { type: 'rejected'; code: AuthErrorCode; status: AuthErrorStatus; stage: RejectionStage; message: string; detail: AuthErrorDetail | undefined }
  /** A JWKS request finished: `ok` with `keyCount`, or failed with `error` (a message, never the body). */
  | { type: 'jwks-fetched'; jwksUri: string; ok: boolean; durationMs: number; keyCount?: number; error?: string; reason: JwksFetchReason }
  /** Keys past `jwksCacheTtl` answered a request while a refresh runs or after one failed. */
  | { type: 'jwks-stale-served'; jwksUri: string; ageMs: number }
  /** With nothing usable cached, the JWKS is not asked again for `retryInMs`. */
  | { type: 'jwks-backoff'; jwksUri: string; retryInMs: number; failures: number }
  /** A verified token was refused because it, its user or its session was revoked. */
  | { type: 'token-revoked'; by: 'jti' | 'sub' | 'sid'; sub: string | undefined }
  /** The shared store could not be read or written; the last known state keeps applying. */
  | { type: 'store-error'; operation: string; error: string };

/** Where in the pipeline a request was refused. */
export type RejectionStage = 'request' | 'cross-origin' | 'token' | 'keys' | 'signature' | 'claims' | 'revocation' | 'guard';

/** Why a JWKS was requested. */
export type JwksFetchReason = 'cold' | 'ttl' | 'unknown-kid' | 'retry';

/** Calls the hook, if any; a hook that throws never breaks a request. */
export function emit(onEvent: ((event: AuthEvent) => void) | undefined, event: AuthEvent): void {
  if (onEvent === undefined) return;
  try {
    onEvent(event);
  } catch {
    // the hook is the app's logging; its failure must not become an auth failure
  }
}
