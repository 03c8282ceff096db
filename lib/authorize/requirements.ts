/**
 * Guard requirements: what one route demands of the `AuthContext` the auth
 * middleware already made (every one of some scopes, at least one of others,
 * an organization, a predicate over the verified claims, an actor or none),
 * checked with no second verification. Pure: no I/O, no framework; each
 * adapter turns a requirement into its own middleware with `guardsFor`.
 * A failure is an `AuthError`: 401 `TOKEN_MISSING` for a guest or an
 * unauthenticated context (RFC 6750 §3.1: the request has no usable token),
 * else a 403 whose challenge says `insufficient_scope`.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @module
 */
import type { AuthContext } from '../context.js';
import { AuthError } from '../errors.js';
import { callerError, callerOf, type AcceptsToken, type Caller } from '../jose/caller.js';
import type { JWTPayload } from '../jose/claims.js';
import type { HeadersLike } from '../request/token-source.js';

/**
 * Where a route's organization comes from: `true` for any organization, fixed
 * id(s), a route parameter (`{ param: 'orgId' }` for `/orgs/:orgId`), a
 * request header (`{ header: 'x-organization-id' }`), or a function of the
 * framework's request that returns the id (`undefined`: the request names none).
 */
export type OrganizationSource<Req = unknown> = true | string | readonly string[] | { param: string } | { header: string } | ((request: Req) => string | undefined);

/** A predicate over the verified claims (`payload`); `true` lets the request through. */
export type ClaimPredicate = ((payload: JWTPayload, auth: AuthContext) => boolean) & {
  /** The claim it reads, named in the error message (never the values it wants). */
  readonly claim?: string;
};

/** What a route requires of an authenticated user; every field set must hold. */
export interface Requirement<Req = unknown> {
  /** Every listed scope must be in the token's `scope`. Default: none. */
  scopes?: string | readonly string[];
  /** At least one listed scope must be in the token's `scope`. Default: none. */
  anyScope?: readonly string[];
  /** The token must be for this organization (`auth.organizationId`). Default: not checked. */
  organization?: OrganizationSource<Req>;
  /** Predicates over the verified claims; each must return `true`. Default: none. */
  claims?: ClaimPredicate | readonly ClaimPredicate[];
  /**
   * `true`: the token must carry an actor (`act`, RFC 8693 §4.1: someone acts
   * for the user, as in Logto's token exchange); `false`: it must not.
   * Default: not checked.
   */
  actor?: boolean;
  /**
   * The token type accepted: `user` (a person) or `machine` (a
   * machine-to-machine app for itself, `sub === client_id`); `any` checks
   * nothing (`TOKEN_TYPE_NOT_ACCEPTED`). Default: not checked.
   */
  acceptsToken?: AcceptsToken;
  /** The clients (`client_id`, exact match, `https://` ids included) accepted (`CLIENT_NOT_ALLOWED`). Default: not checked. */
  clients?: string | readonly string[];
}

/** What a guard reads from the request; each adapter builds it from its framework's request. */
export interface GuardRequest<Req = unknown> {
  /** The framework's own request, handed to an organization function. */
  raw: Req;
  /** Route parameters (`{ orgId: 'org_1' }` for `/orgs/:orgId`), when the framework parsed any. */
  params?: Readonly<Record<string, unknown>> | undefined;
  /** The request headers, for a `{ header }` organization. */
  headers?: HeadersLike | undefined;
}

/**
 * Checks `auth` against `requirement`; throws the `AuthError` of the first
 * check that fails, in this order: authenticated (401 `TOKEN_MISSING` for a
 * guest), `scopes` and `anyScope` (`SCOPE_MISSING`), `organization`
 * (`ORGANIZATION_INVALID`), `claims` (`CLAIM_INVALID`), then who calls:
 * `acceptsToken` (`TOKEN_TYPE_NOT_ACCEPTED`), `clients` (`CLIENT_NOT_ALLOWED`),
 * `actor` (`ACTOR_INVALID`). Throws `TypeError` for a requirement that needs the
 * request when none is given, names a route parameter the route lacks, or is
 * malformed (`assertRequirement`). Does not verify the token: `auth` must come
 * from the library.
 */
export function checkRequirements<Req>(auth: AuthContext, requirement: Requirement<Req>, request?: GuardRequest<Req>): void {
  assertRequirement(requirement as Requirement<unknown>);
  const error = requirementError(auth, requirement, request);
  if (error) throw error;
}

/** `checkRequirements` for adapters: the `AuthError` as a value (`undefined` when allowed); a `TypeError` is still thrown. */
export function requirementError<Req>(auth: AuthContext, requirement: Requirement<Req>, request?: GuardRequest<Req>): AuthError | undefined {
  // a guest or an unauthenticated context has no token to hold any requirement against
  if (!auth.isAuthenticated || auth.payload === null) {
    return new AuthError('TOKEN_MISSING', 'this route needs an authenticated user: the request has no valid access token');
  }
  return (
    scopeError(auth.payload.scope, listOf(requirement.scopes), requirement.anyScope ?? []) ??
    (requirement.organization === undefined ? undefined : organizationError(auth.organizationId, requirement.organization, request)) ??
    claimsError(auth, listOf(requirement.claims)) ??
    (hasCallerRequirement(requirement) ? callerRequirementError(auth, requirement) : undefined)
  );
}

/**
 * Checks a requirement's shape once, when a guard is made; throws `TypeError`
 * for an empty or non-string scope list, an empty organization id, a
 * non-function claim predicate or a non-boolean `actor`.
 */
export function assertRequirement(requirement: Requirement<unknown>): void {
  if (typeof requirement !== 'object' || requirement === null) throw new TypeError('logto-authkit: a guard requirement must be an object');
  const { scopes, anyScope, organization, claims, actor, acceptsToken, clients } = requirement;
  if (scopes !== undefined) assertScopeList(listOf(scopes), 'scopes');
  if (anyScope !== undefined) assertScopeList(anyScope, 'anyScope');
  if (organization !== undefined) assertOrganizationSource(organization);
  if (claims !== undefined && (listOf(claims).length === 0 || !listOf(claims).every((predicate) => typeof predicate === 'function'))) throw new TypeError('logto-authkit: claims must be a predicate function or a non-empty list of them');
  if (actor !== undefined && typeof actor !== 'boolean') throw new TypeError('logto-authkit: actor must be true (required) or false (refused)');
  if (acceptsToken !== undefined && acceptsToken !== 'user' && acceptsToken !== 'machine' && acceptsToken !== 'any') throw new TypeError("logto-authkit: acceptsToken must be 'user', 'machine' or 'any'");
  if (clients !== undefined && (listOf(clients).length === 0 || !listOf(clients).every((id) => typeof id === 'string' && id !== ''))) throw new TypeError('logto-authkit: clients must be a client id or a non-empty list of them');
}

/** A predicate: the claim (an array, or a space-separated string as `scope` is) includes every one of `values`. */
export function claimIncludes(claim: string, ...values: (string | number | boolean)[]): ClaimPredicate {
  if (typeof claim !== 'string' || claim === '' || values.length === 0) throw new TypeError('logto-authkit: claimIncludes(claim, ...values) needs a claim name and at least one value');
  return named(claim, (payload) => {
    const present = payload[claim];
    const items: unknown[] = typeof present === 'string' ? present.split(' ') : Array.isArray(present) ? present : [];
    return values.every((value) => items.includes(value));
  });
}

/** A predicate: the claim is exactly `value` (a string, number, boolean or `null`; compared with `===`). */
export function claimEquals(claim: string, value: string | number | boolean | null): ClaimPredicate {
  if (typeof claim !== 'string' || claim === '') throw new TypeError('logto-authkit: claimEquals(claim, value) needs a claim name');
  return named(claim, (payload) => payload[claim] === value);
}

/** The guard factories every adapter exports, each made from the adapter's one `make`. */
export interface Guards<Guard, Req> {
  /** A guard for a whole `Requirement`: `guard({ scopes: ['admin'], organization: { param: 'orgId' } })`. */
  guard(requirement: Requirement<Req>): Guard;
  /** Every listed scope must be granted (`SCOPE_MISSING`). */
  requireScopes(...scopes: string[]): Guard;
  /** At least one listed scope must be granted (`SCOPE_MISSING`). */
  requireAnyScope(...scopes: string[]): Guard;
  /** The token must be for an organization: any (no argument), fixed id(s), or one the request names (`ORGANIZATION_INVALID`). */
  requireOrganization(organization?: OrganizationSource<Req>): Guard;
  /** Every predicate over the verified claims must hold (`CLAIM_INVALID`); see `claimIncludes`, `claimEquals`. */
  requireClaims(...predicates: ClaimPredicate[]): Guard;
  /** The token must carry an actor, `act` (RFC 8693 §4.1): a delegated or impersonation token (`ACTOR_INVALID`). */
  requireActor(): Guard;
  /** The token must not carry an actor: only the user themself (`ACTOR_INVALID`). */
  forbidActor(): Guard;
  /** The token must be a user's, not a machine-to-machine app's own (`TOKEN_TYPE_NOT_ACCEPTED`). */
  requireUser(): Guard;
  /** The token must be a machine-to-machine app's own, `sub === client_id` (`TOKEN_TYPE_NOT_ACCEPTED`). */
  requireMachine(): Guard;
  /** The token's `client_id` must be one of these, compared exactly (`CLIENT_NOT_ALLOWED`). */
  requireClients(...clients: string[]): Guard;
}

/**
 * Builds the guard factories of one adapter from its `make(requirement, name)`;
 * `name` is the factory the guard came from, for the programming-error message.
 * Every requirement is checked (`assertRequirement`) when the guard is made.
 */
export function guardsFor<Guard, Req>(make: (requirement: Requirement<Req>, name: string) => Guard): Guards<Guard, Req> {
  const build = (requirement: Requirement<Req>, name: string): Guard => {
    const kept = snapshotRequirement(requirement);
    assertRequirement(kept as Requirement<unknown>);
    return make(kept, name);
  };
  return {
    guard: (requirement) => build(requirement, 'guard'),
    requireScopes: (...scopes) => build({ scopes }, 'requireScopes'),
    requireAnyScope: (...scopes) => build({ anyScope: scopes }, 'requireAnyScope'),
    requireOrganization: (organization = true) => build({ organization }, 'requireOrganization'),
    requireClaims: (...predicates) => build({ claims: predicates }, 'requireClaims'),
    requireActor: () => build({ actor: true }, 'requireActor'),
    forbidActor: () => build({ actor: false }, 'forbidActor'),
    requireUser: () => build({ acceptsToken: 'user' }, 'requireUser'),
    requireMachine: () => build({ acceptsToken: 'machine' }, 'requireMachine'),
    requireClients: (...clients) => build({ clients }, 'requireClients'),
  };
}

// RFC 6749 §3.3: scopes are case-sensitive and space-delimited; one matches only exactly
function scopeError(scope: string | undefined, all: readonly string[], any: readonly string[]): AuthError | undefined {
  const granted = scope === undefined ? [] : scope.split(' ').filter((name) => name !== '');
  const missing = all.filter((name) => !granted.includes(name));
  if (missing.length > 0) {
    return new AuthError('SCOPE_MISSING', `the token lacks the required scope ${missing.join(' ')}`, { detail: { claim: 'scope', expected: [...all, ...any], actual: granted } });
  }
  if (any.length > 0 && !any.some((name) => granted.includes(name))) {
    // the challenge's scope= lists what would satisfy the route: the required ones and every alternative
    return new AuthError('SCOPE_MISSING', `the token has none of the scopes ${any.join(' ')}`, { detail: { claim: 'scope', expected: [...all, ...any], actual: granted } });
  }
  return undefined;
}

// The ids a route allows go to `detail` (logs, hooks), never into the message:
// a configured allow-list does not go over HTTP.
function organizationError<Req>(organizationId: string | undefined, source: OrganizationSource<Req>, request: GuardRequest<Req> | undefined): AuthError | undefined {
  const expected = expectedOrganizations(source, request);
  if (expected === undefined) {
    return new AuthError('ORGANIZATION_INVALID', 'the request names no organization', { detail: { claim: 'organization_id', expected: undefined, actual: organizationId } });
  }
  if (organizationId === undefined) {
    return new AuthError('ORGANIZATION_INVALID', 'the token is not for an organization', { detail: { claim: 'organization_id', expected, actual: undefined } });
  }
  if (expected !== 'any' && !expected.includes(organizationId)) {
    return new AuthError('ORGANIZATION_INVALID', 'the token is for another organization than this route requires', { detail: { claim: 'organization_id', expected, actual: organizationId } });
  }
  return undefined;
}

// 'any', the allowed ids, or undefined when the request names no organization
function expectedOrganizations<Req>(source: OrganizationSource<Req>, request: GuardRequest<Req> | undefined): 'any' | readonly string[] | undefined {
  if (source === true) return 'any';
  if (typeof source === 'string') return [source];
  if (Array.isArray(source)) return source as readonly string[];
  if (request === undefined) throw new TypeError('logto-authkit: this organization requirement reads the request, and no request was given');
  let id: unknown;
  if (typeof source === 'function') {
    id = source(request.raw);
  } else if ('param' in source) {
    const { param } = source as { param: string };
    const params = request.params;
    // a route without this parameter is a typo in the guard, not a client error
    if (params === undefined || !Object.hasOwn(params, param)) throw new TypeError(`logto-authkit: requireOrganization reads the route parameter "${param}", which this route does not have`);
    id = params[param];
  } else {
    const { header } = source as { header: string };
    id = request.headers === undefined ? undefined : headerOf(request.headers, header.toLowerCase());
  }
  return typeof id === 'string' && id !== '' ? [id] : undefined;
}

function claimsError(auth: AuthContext, predicates: readonly ClaimPredicate[]): AuthError | undefined {
  for (const predicate of predicates) {
    if (predicate(auth.payload as JWTPayload, auth) === true) continue;
    const message = predicate.claim === undefined ? 'the token claims do not meet this route\'s requirement' : `the token "${predicate.claim}" claim does not meet this route's requirement`;
    return new AuthError('CLAIM_INVALID', message, { detail: predicate.claim === undefined ? {} : { claim: predicate.claim } });
  }
  return undefined;
}

function hasCallerRequirement<Req>(requirement: Requirement<Req>): boolean {
  return requirement.actor !== undefined || (requirement.acceptsToken !== undefined && requirement.acceptsToken !== 'any') || requirement.clients !== undefined;
}

// the same check as the acceptsToken, allowedClients and actorPolicy options
// (jose/caller.ts), over the facts the context already holds
function callerRequirementError<Req>(auth: AuthContext, requirement: Requirement<Req>): AuthError | undefined {
  const { acceptsToken, clients, actor } = requirement;
  return callerError(callerFactsOf(auth), {
    tokenType: acceptsToken === 'any' ? undefined : acceptsToken,
    clients: clients === undefined ? undefined : listOf(clients),
    actor: actor === undefined ? undefined : actor ? 'require' : 'refuse',
  });
}

// a context from contextOf has the facts; one built by hand is read from its payload
function callerFactsOf(auth: AuthContext): Caller {
  if (auth.tokenType !== undefined && auth.actors !== undefined) return { tokenType: auth.tokenType, clientId: auth.clientId, actors: auth.actors, hasAct: auth.payload?.act !== undefined };
  return callerOf(auth.payload as JWTPayload);
}

// A guard keeps a frozen copy of what it was given, as a factory keeps its
// options: a list emptied or grown later (`requirement.scopes.length = 0`) changes
// nothing. One level deep, which is every shape a requirement has (lists of
// scopes, ids or predicates; { param } and { header }); functions are kept.
function snapshotRequirement<Req>(requirement: Requirement<Req>): Requirement<Req> {
  if (typeof requirement !== 'object' || requirement === null) return requirement;
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(requirement)) {
    if (Array.isArray(value)) copy[name] = Object.freeze([...value]);
    else if (typeof value === 'object' && value !== null) copy[name] = Object.freeze({ ...value });
    else copy[name] = value;
  }
  return Object.freeze(copy) as Requirement<Req>;
}

// A predicate passed to a framework as middleware is called with (req, res, next)
// or (c, next): it would answer nothing and hang the request. Say so instead.
function named(claim: string, test: (payload: JWTPayload) => boolean): ClaimPredicate {
  const predicate = (...args: unknown[]): boolean => {
    if (typeof args[args.length - 1] === 'function') throw new TypeError(`logto-authkit: a claim predicate is not middleware; wrap it: requireClaims(claimIncludes("${claim}", ...))`);
    return test(args[0] as JWTPayload);
  };
  return Object.assign(predicate, { claim }) as ClaimPredicate;
}

function headerOf(headers: HeadersLike, name: string): string | undefined {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

function listOf<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

function assertScopeList(scopes: readonly unknown[], name: string): void {
  if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((scope) => typeof scope === 'string' && scope !== '' && !scope.includes(' '))) {
    throw new TypeError(`logto-authkit: ${name} must be one or more scopes, each a non-empty string without spaces`);
  }
}

function assertOrganizationSource(source: unknown): void {
  if (source === true || typeof source === 'function') return;
  if (typeof source === 'string' && source !== '') return;
  if (Array.isArray(source) && source.length > 0 && source.every((id) => typeof id === 'string' && id !== '')) return;
  if (typeof source === 'object' && source !== null) {
    const { param, header } = source as { param?: unknown; header?: unknown };
    if ((typeof param === 'string' && param !== '') !== (typeof header === 'string' && header !== '')) return;
  }
  throw new TypeError('logto-authkit: organization must be true, an id, a list of ids, { param }, { header } or a function of the request');
}
