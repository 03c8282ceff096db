/**
 * The revocation stage of the pipeline: after the claims, and on every
 * verified-token cache hit, verified claims are checked against the
 * configured revocation list (`revocation` option), in memory.
 * @module
 */
import { AuthError } from '../errors.js';
import { emit } from '../events.js';
import type { ResolvedOptions } from '../options.js';

/** Seconds a client is told to wait (`Retry-After`) when the revocation list fails closed. */
export const REVOCATION_RETRY_AFTER_SEC = 5;

const MESSAGES = Object.freeze({
  jti: 'the token was revoked',
  sub: "the token was issued before its user's tokens were revoked",
  sid: 'the session of the token was revoked',
  all: 'the token was issued before every token of the tenant was revoked (a permission change)',
  org: 'the token was issued before the tokens of its organization were revoked',
  scope: 'the token was issued before the tokens carrying one of its scopes were revoked',
  member: "the token was issued before its user's membership of its organization was revoked",
});

/**
 * Throws `TOKEN_REVOKED` (401) when the revocation list names the token, its
 * user or its session, and `REVOCATION_UNAVAILABLE` (503) when the list fails
 * closed. Does nothing without a `revocation` option. `now`: the pipeline's
 * clock reading (ms), so judging the list's age costs no second one.
 */
export function assertNotRevoked(payload: Readonly<Record<string, unknown>>, options: ResolvedOptions, now?: number): void {
  const revocation = options.revocation;
  if (revocation === undefined) return;
  const by = revocation.check(payload, options.expected.clockToleranceSec, now);
  if (by === undefined) return;
  if (by === 'unavailable') {
    throw new AuthError('REVOCATION_UNAVAILABLE', 'the revocation list could not be brought up to date', { retryAfterSec: REVOCATION_RETRY_AFTER_SEC });
  }
  const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
  emit(options.onEvent, { type: 'token-revoked', by, sub });
  throw new AuthError('TOKEN_REVOKED', MESSAGES[by], { detail: { claim: by } });
}
