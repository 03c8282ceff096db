/**
 * `AuthContext`: what verification hands the app, for a user or a guest, and
 * how a verified payload becomes one. Built once per verified token
 * (`contextOf`), so what it derives (scopes, audience, the acting chain) costs
 * nothing per request that reuses it.
 * @module
 */
import { actorsOf, tokenTypeOf, type Actor, type TokenType } from './jose/caller.js';
import { organizationOf, type JWTPayload } from './jose/claims.js';

export type { Actor, TokenType } from './jose/caller.js';

/**
 * What verification hands the app: the user, or a guest in guest mode.
 * `AuthenticatedContext` and `GuestContext` are what it can be (and a CORS
 * preflight let through gets an unauthenticated one); this is the shape they
 * share, with `Claims` the app's custom claims.
 */
export interface AuthContext<Claims extends object = {}> {
  /** The token's `sub`; `null` for a guest. */
  userId: string | null;
  isAuthenticated: boolean;
  /** The verified claims; `null` for a guest. */
  payload: (JWTPayload & Claims) | null;
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
  /** Set for a verified token: see `AuthenticatedContext`. */
  tokenType?: TokenType;
  clientId?: string | undefined;
  scopes?: readonly string[];
  audience?: readonly string[];
  resource?: string | undefined;
  expiresAt?: number;
  issuedAt?: number | undefined;
  actors?: readonly Actor[];
}

/**
 * The context of a verified access token (what `verifyLogtoToken` returns and
 * handlers behind the middleware get when guest mode is off): `userId` and
 * `payload` are never `null`. Shaped so an MCP SDK `AuthInfo` (`clientId`,
 * `scopes`, `expiresAt`, `resource`) or a Clerk-style `tokenType` reads off it.
 */
export interface AuthenticatedContext<Claims extends object = {}> extends AuthContext<Claims> {
  /** The token's `sub`: a user id, or for a machine token the app's own id (its `client_id`). */
  userId: string;
  isAuthenticated: true;
  payload: JWTPayload & Claims;
  isGuest?: false;
  guestId?: undefined;
  /** `machine` when `sub` equals `client_id` (Logto's machine-to-machine tokens), else `user`. */
  tokenType: TokenType;
  /** The app the token was issued to (`client_id`, RFC 9068 §2.2; an `https://` URL for an MCP client with a client ID metadata document). */
  clientId: string | undefined;
  /** The granted scopes (`scope` split on spaces); empty when the token has no `scope` claim, as a machine token asked for none. */
  scopes: readonly string[];
  /** The token's `aud` as a list, whether it came as a string or an array. */
  audience: readonly string[];
  /** The API resource indicator the token is for (RFC 8707): the first audience that is not an organization URN; `undefined` for an organization token. */
  resource: string | undefined;
  /** `exp`, in seconds since the epoch (as the MCP SDK's `AuthInfo.expiresAt`). */
  expiresAt: number;
  /** `iat`, in seconds since the epoch, when the token has one. */
  issuedAt: number | undefined;
  /** The acting chain, the current actor first (`actors[0]` is `actor`); empty when the user acts themself. */
  actors: readonly Actor[];
}

/** A guest in guest mode: no token, or one that failed to authenticate. */
export interface GuestContext extends AuthContext {
  userId: null;
  isAuthenticated: false;
  payload: null;
  isGuest: true;
  guestId: string;
}

/**
 * A request the auth middleware let through with a verified user, for
 * frameworks whose request type the middleware cannot change:
 * `(req as express.Request & Authenticated<MyClaims>).auth.payload.roles`
 * (Express, Fastify), no `!` needed. Only where no guest can arrive (guest
 * mode off, or behind a guard).
 */
export interface Authenticated<Claims extends object = {}> {
  auth: AuthenticatedContext<Claims>;
}

/** The context of a verified token, built once: `userId` is `sub`, the derived fields read off the claims. */
export function contextOf(payload: JWTPayload): AuthenticatedContext {
  const aud = payload.aud;
  const audience = typeof aud === 'string' ? listOf(aud, audiences, single) : aud === undefined ? NONE : Object.freeze([...aud]);
  const resource = typeof aud === 'string' ? (isResource(aud) ? aud : undefined) : audience.find(isResource);
  const scope = payload.scope;
  const actors = actorsOf(payload);
  const context: AuthenticatedContext = {
    userId: payload.sub as string, // checkClaims: a verified access token has a string sub (RFC 9068 §2.2)
    isAuthenticated: true,
    payload,
    tokenType: tokenTypeOf(payload),
    clientId: payload.client_id,
    // RFC 6749 §3.3: space-delimited; an empty or absent scope grants none
    scopes: scope === undefined || scope === '' ? NONE : listOf(scope, scopeLists, splitScope),
    audience,
    resource,
    expiresAt: payload.exp as number, // checkClaims: exp is required (RFC 9068 §2.2)
    issuedAt: payload.iat,
    actors,
  };
  const organizationId = organizationOf(payload);
  if (organizationId !== undefined) context.organizationId = organizationId;
  if (actors.length > 0) context.actor = actors[0]!;
  return context;
}

/** The context of a request that was not authenticated at all (a CORS preflight let through). */
export function unauthenticatedContext(): AuthContext {
  return { userId: null, isAuthenticated: false, payload: null };
}

const NONE: readonly string[] = Object.freeze([]);

// Tokens of one API repeat a handful of scope and aud strings: each distinct one
// is split and frozen once and its list shared (frozen, so no context can change
// another's), which keeps contextOf near the cost of an object literal. Bounded:
// a full table starts over.
const MEMO_LIMIT = 256;
const scopeLists = new Map<string, readonly string[]>();
const audiences = new Map<string, readonly string[]>();

function listOf(value: string, memo: Map<string, readonly string[]>, make: (value: string) => string[]): readonly string[] {
  let list = memo.get(value);
  if (list === undefined) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    list = Object.freeze(make(value));
    memo.set(value, list);
  }
  return list;
}

// RFC 6749 §3.3: space-delimited; empty names (doubled spaces) grant nothing
function splitScope(scope: string): string[] {
  return scope.split(' ').filter((name) => name !== '');
}

function single(value: string): string[] {
  return [value];
}

function isResource(value: string): boolean {
  return !value.startsWith('urn:logto:organization:');
}
