/**
 * The one HTTP answer every adapter sends: an `AuthError` becomes a status, a
 * JSON body `{ error, message }` and headers (the RFC 6750 §3 challenge, or
 * `Retry-After` for a 503); a new guest id becomes a `Set-Cookie`. Adapters
 * only translate this to their framework's response type, so Express, Next,
 * Hono and Fastify answer byte for byte alike.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @module
 */
import type { AuthError, AuthErrorCode, AuthErrorStatus } from '../errors.js';
import { emit, type AuthEvent } from '../events.js';
import { serializeGuestCookie } from '../request/cookies.js';
import type { ResolvedOptions } from '../options.js';
import type { AuthOutcome } from '../verify.js';

/** Seconds a client should wait before retrying after `JWKS_UNAVAILABLE` when the error says nothing better (RFC 9110 §10.2.3). */
export const JWKS_RETRY_AFTER_SEC = 5;

/** The JSON body of an error answer. */
export interface ErrorBody {
  error: AuthErrorCode;
  message: string;
}

/** What goes over HTTP for an `AuthError`: status, lower-case header names, and the JSON body as text. */
export interface ErrorAnswer {
  status: AuthErrorStatus;
  headers: Record<string, string>;
  body: string;
}

/** The JSON body for an error: `{ error, message }`. Never `detail` or `cause`. */
export function errorBody(error: AuthError): ErrorBody {
  return { error: error.code, message: error.message };
}

/**
 * Headers sent with an error: the RFC 6750 §3 challenge for 401 and 403,
 * `Retry-After` for a 503. Responses carrying credential decisions are never
 * cached (RFC 6750 §5.3 recommends `no-store`).
 */
export function errorHeaders(error: AuthError, challenge?: ChallengeOptions): Record<string, string> {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (error.status === 503) headers['retry-after'] = String(retryAfterSec(error));
  else headers['www-authenticate'] = bearerChallenge(error, challenge);
  return headers;
}

/** What an adapter adds to every challenge from its options. */
export interface ChallengeOptions {
  /** RFC 9728 §5.1 `resource_metadata`: the URL of the protected-resource metadata (`resolved.resourceMetadata?.url`). Default: omitted. */
  resourceMetadataUrl?: string | undefined;
  /** RFC 6750 §3 `scope` on a 401: the scopes this API requires (space-separated). Default: omitted. */
  scope?: string | undefined;
}

/**
 * The challenge options an adapter made with `options` adds: with
 * `resourceMetadata` set, `resource_metadata` on every challenge and, when
 * `requiredScope` is set, `scope` on every 401 too, as the MCP authorization
 * spec asks ("MCP servers SHOULD include a scope parameter in the
 * WWW-Authenticate header ... to indicate the scopes required for accessing
 * the resource", 2025-11-25, Protected Resource Metadata Discovery), so a
 * client asks Logto for what it needs on the first try.
 */
export function challengeFor(options: ResolvedOptions): ChallengeOptions {
  const metadata = options.resourceMetadata;
  if (metadata === undefined) return {};
  const required = options.expected.requiredScopes;
  return required.length === 0 ? { resourceMetadataUrl: metadata.url } : { resourceMetadataUrl: metadata.url, scope: required.join(' ') };
}

// A guard sees the context, not the options the auth middleware was made with:
// the middleware leaves what a guard needs from them beside the context (the
// challenge's resource_metadata, the onEvent hook), so a guard's refusal points
// at the metadata and reaches the hook too. Weak: it goes with the request.
const forGuards = new WeakMap<object, GuardNotes>();

/** What an auth middleware leaves for the guards after it. */
export interface GuardNotes {
  challenge: ChallengeOptions;
  onEvent: ((event: AuthEvent) => void) | undefined;
}

/** Called by an auth middleware on success; kept only when there is something to pass on. */
export function noteForGuards(auth: object, notes: GuardNotes): void {
  if (notes.challenge.resourceMetadataUrl !== undefined || notes.onEvent !== undefined) forGuards.set(auth, notes);
}

/**
 * For a guard that refuses `auth` with `error`: reports a `rejected` event
 * (`stage: 'guard'`) to the auth middleware's `onEvent`, and returns the
 * challenge options it left (`undefined` when it left none).
 */
export function guardChallenge(auth: object, error: AuthError): ChallengeOptions | undefined {
  const notes = forGuards.get(auth);
  if (notes === undefined) return undefined;
  emit(notes.onEvent, { type: 'rejected', code: error.code, status: error.status, stage: 'guard', message: error.message, detail: error.detail });
  return notes.challenge;
}

/** The whole answer for an error, for any framework: `{ status, headers, body }` (JSON text, `content-type` included). */
export function errorAnswer(error: AuthError, challenge?: ChallengeOptions): ErrorAnswer {
  return {
    status: error.status,
    headers: { ...errorHeaders(error, challenge), 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(errorBody(error)),
  };
}

/** The same answer as a Fetch `Response`, for Next, Hono, Workers, Deno, Bun or your own `proxy.ts`. */
export function errorResponse(error: AuthError, challenge?: ChallengeOptions): Response {
  const answer = errorAnswer(error, challenge);
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/**
 * What a guard answers to a CORS preflight: 204, no body, and the route's
 * handler is not run. The auth middleware lets a preflight through
 * unauthenticated (it never carries credentials, Fetch §3.2.2), so a guard is
 * the last point before a handler that would otherwise run for anyone; headers
 * a CORS layer set before it (e.g. `cors({ preflightContinue: true })`) go out
 * with the 204.
 */
export const PREFLIGHT_STATUS = 204;

/** The guard's answer to a CORS preflight as a Fetch `Response` (see `PREFLIGHT_STATUS`). */
export function preflightResponse(): Response {
  return new Response(null, { status: PREFLIGHT_STATUS });
}

/** The `Set-Cookie` value an adapter adds for a successful outcome, when it made a new guest id; else `undefined`. */
export function guestSetCookie(outcome: AuthOutcome, guestCookieName: string): string | undefined {
  if (!outcome.newGuestId || outcome.auth?.guestId === undefined) return undefined;
  return serializeGuestCookie(guestCookieName, outcome.auth.guestId, outcome.secure);
}

/** The `WWW-Authenticate: Bearer ...` value for an error (RFC 6750 §3), with `resource_metadata` when configured (RFC 9728 §5.1). */
export function bearerChallenge(error: AuthError, challenge?: ChallengeOptions): string {
  const metadata = challenge?.resourceMetadataUrl === undefined ? '' : `resource_metadata="${quoted(challenge.resourceMetadataUrl)}"`;
  // RFC 6750 §3: a 401 may say which scopes the resource needs (a 403 names the missing ones below)
  const needed = error.status === 401 && challenge?.scope !== undefined ? `scope="${quoted(challenge.scope)}"` : '';
  const attributes = [metadata, needed].filter((part) => part !== '').join(', ');
  // RFC 6750 §3.1: no error attribute when the request carried no token
  if (error.code === 'TOKEN_MISSING') return attributes === '' ? 'Bearer' : `Bearer ${attributes}`;
  const more = attributes === '' ? '' : `, ${attributes}`;
  if (error.status === 403) {
    const scope = error.code === 'SCOPE_MISSING' && Array.isArray(error.detail?.expected) ? `, scope="${quoted((error.detail.expected as string[]).join(' '))}"` : '';
    return `Bearer error="insufficient_scope", error_description="${quoted(error.message)}"${scope}${more}`;
  }
  return `Bearer error="invalid_token", error_description="${quoted(error.message)}"${more}`;
}

// the JWKS cache sets retryAfterSec from its backoff; an error built elsewhere gets the default
function retryAfterSec(error: AuthError): number {
  const hinted = error.retryAfterSec;
  return typeof hinted === 'number' && hinted > 0 ? Math.ceil(hinted) : JWKS_RETRY_AFTER_SEC;
}

// RFC 6750 §3: error_description and scope are quoted-strings limited to
// %x20-21 / %x23-5B / %x5D-7E, so `"` and `\` and anything outside printable
// ASCII are dropped rather than escaped (a header must never carry CR or LF).
function quoted(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');
}
