/**
 * `AuthError`, its codes and HTTP statuses, and what an HTTP shim sends for one
 * (the RFC 6750 §3 `WWW-Authenticate` challenge and the JSON body).
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
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
  /** A required scope is absent: the user is known but not allowed. */
  SCOPE_MISSING: 403,
  /** `requiredOrganization` is set and the token is for no organization or another one (an extension of the contract's table). */
  ORGANIZATION_INVALID: 403,
  /** The JWKS could not be fetched or parsed and no usable cached copy exists. */
  JWKS_UNAVAILABLE: 503,
});

/** One of the codes in `AUTH_ERROR_STATUS`. */
export type AuthErrorCode = keyof typeof AUTH_ERROR_STATUS;

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
  readonly status: number;
  /** Machine-readable detail of the failed check; not sent in HTTP responses. */
  readonly detail: AuthErrorDetail | undefined;

  constructor(code: AuthErrorCode, message: string, options?: { detail?: AuthErrorDetail; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuthError';
    this.code = code;
    this.status = AUTH_ERROR_STATUS[code];
    this.detail = options?.detail;
    (Error as { captureStackTrace?: (target: object, ctor: unknown) => void }).captureStackTrace?.(this, AuthError);
  }
}

/** True for an `AuthError`, also one from another copy of the library (realm-safe). */
export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError || (value instanceof Error && value.name === 'AuthError' && typeof (value as AuthError).code === 'string' && (value as AuthError).code in AUTH_ERROR_STATUS);
}

/** Seconds a client should wait before retrying after `JWKS_UNAVAILABLE` (RFC 9110 §10.2.3). */
export const JWKS_RETRY_AFTER_SEC = 5;

/** The JSON body the HTTP shims send for an error: `{ error, message }`. */
export function errorBody(error: AuthError): { error: AuthErrorCode; message: string } {
  return { error: error.code, message: error.message };
}

/**
 * Headers the HTTP shims send with an error: the RFC 6750 §3 challenge for
 * 401 and 403, `Retry-After` for 503. Responses carrying credentials decisions
 * are never cached (RFC 6750 §5.3 recommends `no-store` for such responses).
 */
export function errorHeaders(error: AuthError): Record<string, string> {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (error.status === 503) headers['retry-after'] = String(JWKS_RETRY_AFTER_SEC);
  else headers['www-authenticate'] = bearerChallenge(error);
  return headers;
}

/** The `WWW-Authenticate: Bearer ...` value for an error (RFC 6750 §3). */
export function bearerChallenge(error: AuthError): string {
  // RFC 6750 §3.1: no error attribute when the request carried no token
  if (error.code === 'TOKEN_MISSING') return 'Bearer';
  if (error.code === 'ORGANIZATION_INVALID') return `Bearer error="insufficient_scope", error_description="${quoted(error.message)}"`;
  if (error.code === 'SCOPE_MISSING') {
    const scope = Array.isArray(error.detail?.expected) ? (error.detail.expected as string[]).join(' ') : '';
    return `Bearer error="insufficient_scope", error_description="${quoted(error.message)}", scope="${quoted(scope)}"`;
  }
  return `Bearer error="invalid_token", error_description="${quoted(error.message)}"`;
}

// RFC 6750 §3: error_description and scope are quoted-strings limited to
// %x20-21 / %x23-5B / %x5D-7E, so `"` and `\` and anything outside printable
// ASCII are dropped rather than escaped (a header must never carry CR or LF).
function quoted(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');
}
