/**
 * Guest mode: which failures become a guest, and the guest id.
 * A guest is someone we could not authenticate (no token, or a token that
 * fails a 401 check). A valid token without a scope stays 403, and a JWKS
 * outage stays 503: those are not failures to authenticate.
 * @module
 */
import type { GuestContext } from '../context.js';
import type { AuthError } from '../errors.js';

// a canonical lowercase UUID (RFC 9562 §4): 8-4-4-4-12 hex digits
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** True when `error` should yield a guest context in guest mode: every 401. */
export function isGuestEligible(error: AuthError): boolean {
  return error.status === 401;
}

/** The guest id a cookie carries, when it is a canonical lowercase UUID other than nil; else `undefined`. */
export function guestIdFromCookie(value: string | undefined): string | undefined {
  return value !== undefined && value !== NIL_UUID && UUID.test(value) ? value : undefined;
}

/** A fresh guest id. */
export function newGuestId(): string {
  return crypto.randomUUID();
}

/** The context of a guest. */
export function guestContext(guestId: string): GuestContext {
  return { userId: null, isAuthenticated: false, payload: null, isGuest: true, guestId };
}
