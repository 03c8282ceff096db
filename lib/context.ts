/**
 * `AuthContext`: what verification hands the app, for a user or a guest, and
 * how a verified payload becomes one.
 * @module
 */
import { organizationOf, type JWTPayload } from './jose/claims.js';

/** What verification hands the app: the user, or a guest in guest mode. */
export interface AuthContext {
  /** The token's `sub`; `null` for a guest. */
  userId: string | null;
  isAuthenticated: boolean;
  /** The verified claims; `null` for a guest. */
  payload: JWTPayload | null;
  isGuest?: boolean;
  guestId?: string;
  /** The Logto organization the token is for, when it is for one (`organization_id`, or an `urn:logto:organization:<id>` audience). */
  organizationId?: string;
}

/** The context of a verified token: `userId` is `sub`, `organizationId` set when the token is for one. */
export function contextOf(payload: JWTPayload): AuthContext {
  const organizationId = organizationOf(payload);
  const context: AuthContext = { userId: payload.sub ?? null, isAuthenticated: true, payload };
  if (organizationId !== undefined) context.organizationId = organizationId;
  return context;
}

/** The context of a request that was not authenticated at all (a CORS preflight let through). */
export function unauthenticatedContext(): AuthContext {
  return { userId: null, isAuthenticated: false, payload: null };
}
