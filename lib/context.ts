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
  /**
   * Who acts for the user, when the token names one: its `act` claim (RFC 8693
   * §4.1), as Logto's token exchange issues for impersonation and delegation.
   * Absent for a token of the user themself.
   */
  actor?: Actor;
}

/** RFC 8693 §4.1 `act`: the acting party (`sub`, often `client_id`); a nested `act` is the one who acted before it. */
export interface Actor {
  sub?: string;
  client_id?: string;
  act?: Actor;
  [claim: string]: unknown;
}

/** The context of a verified token: `userId` is `sub`, `organizationId` set when the token is for one. */
export function contextOf(payload: JWTPayload): AuthContext {
  const organizationId = organizationOf(payload);
  const context: AuthContext = { userId: payload.sub ?? null, isAuthenticated: true, payload };
  if (organizationId !== undefined) context.organizationId = organizationId;
  // RFC 8693 §4.1: act is a JSON object; anything else names no actor
  const act = payload.act;
  if (typeof act === 'object' && act !== null && !Array.isArray(act)) context.actor = act as Actor;
  return context;
}

/** The context of a request that was not authenticated at all (a CORS preflight let through). */
export function unauthenticatedContext(): AuthContext {
  return { userId: null, isAuthenticated: false, payload: null };
}
