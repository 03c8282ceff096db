/**
 * `AuthError`, its codes and their HTTP statuses. What goes over HTTP for one
 * (body, challenge) is `adapters/http-answer.ts`.
 * @module
 */

/** HTTP status for every error code; the table in the contract. */
export const AUTH_ERROR_STATUS = Object.freeze({
  /** No token in the cookie or the `Authorization` header. */
  TOKEN_MISSING: 401,
  /** Not a compact JWS of three base64url parts with JSON object header and payload, oversized, no `exp`, or a claim of the wrong type. */
  TOKEN_MALFORMED: 401,
  /** The header `typ` is not `at+jwt` (RFC 9068 §2.1): an ID token or another JWT offered as an access token. */
  TOKEN_TYPE_INVALID: 401,
  /** `alg` is not in the allow-list, or does not fit the key's type or curve. */
  ALGORITHM_NOT_ALLOWED: 401,
  /** No JWKS key matches the token's `kid` (after at most one refetch). */
  KEY_NOT_FOUND: 401,
  /** The signature does not verify. */
  SIGNATURE_INVALID: 401,
  /** `exp` is past, with the clock tolerance. */
  TOKEN_EXPIRED: 401,
  /** `nbf` is in the future, with the clock tolerance. */
  TOKEN_NOT_YET_VALID: 401,
  /** `iss` is not an expected issuer. */
  ISSUER_INVALID: 401,
  /** `aud` does not contain an expected audience. */
  AUDIENCE_INVALID: 401,
  /** The token, its user (`sub`, issued before the revocation) or its session (`sid`) was revoked. */
  TOKEN_REVOKED: 401,
  /** A required scope is absent: the user is known but not allowed. */
  SCOPE_MISSING: 403,
  /** `requiredOrganization` is set and the token is for no organization or another one (an extension of the contract's table). */
  ORGANIZATION_INVALID: 403,
  /** A cookie-borne token on an unsafe method from another origin (cross-origin protection). */
  CSRF_REJECTED: 403,
  /** A guard's predicate over the verified claims (custom claims such as `roles`) returned false. */
  CLAIM_INVALID: 403,
  /** A guard or `actorPolicy` requires an actor (`act`, RFC 8693 §4.1) and the token names none, or refuses one and it names one. */
  ACTOR_INVALID: 403,
  /** `acceptsToken` or a guard accepts only user tokens and this is a machine-to-machine one (`sub === client_id`), or the other way round. */
  TOKEN_TYPE_NOT_ACCEPTED: 403,
  /** `allowedClients` or a guard lists the clients accepted and the token's `client_id` is not one of them (or it has none). */
  CLIENT_NOT_ALLOWED: 403,
  /** The JWKS could not be fetched or parsed and no usable cached copy exists. */
  JWKS_UNAVAILABLE: 503,
  /** The revocation list fails closed: its store has been out of reach longer than `failClosedAfterMs` (an extension of the contract's table). */
  REVOCATION_UNAVAILABLE: 503,
});

/** One of the codes in `AUTH_ERROR_STATUS`. */
export type AuthErrorCode = keyof typeof AUTH_ERROR_STATUS;

/** Every HTTP status an `AuthError` can have: a literal union, so `c.json(body, error.status)` type-checks. */
export type AuthErrorStatus = (typeof AUTH_ERROR_STATUS)[AuthErrorCode];

/**
 * What a failed check expected and what it found, for logs and tooling.
 * Never the token, its signature or key material; `actual` is a claim value
 * the token carried, so treat it as untrusted input.
 */
export interface AuthErrorDetail {
  /** The claim or header parameter that failed, e.g. `aud`, `scope`, `alg`. */
  claim?: string;
  expected?: unknown;
  actual?: unknown;
}

/** The one error the library throws for a rejected request; `code` and `status` are stable. */
export class AuthError extends Error {
  readonly code: AuthErrorCode;
  readonly status: AuthErrorStatus;
  /** Machine-readable detail of the failed check; not sent in HTTP responses. */
  readonly detail: AuthErrorDetail | undefined;
  /** For `JWKS_UNAVAILABLE`: whole seconds until the JWKS is asked again (the backoff), sent as `Retry-After`. */
  readonly retryAfterSec: number | undefined;

  constructor(code: AuthErrorCode, message: string, options?: { detail?: AuthErrorDetail; cause?: unknown; retryAfterSec?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuthError';
    this.code = code;
    this.status = AUTH_ERROR_STATUS[code];
    this.detail = options?.detail;
    this.retryAfterSec = options?.retryAfterSec;
    (Error as { captureStackTrace?: (target: object, ctor: unknown) => void }).captureStackTrace?.(this, AuthError);
  }
}

/** True for an `AuthError`, also one from another copy of the library (realm-safe). */
export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError || (value instanceof Error && value.name === 'AuthError' && typeof (value as AuthError).code === 'string' && (value as AuthError).code in AUTH_ERROR_STATUS);
}
