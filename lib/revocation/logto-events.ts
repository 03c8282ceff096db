/**
 * What each Logto webhook event revokes, read from what a real Logto 1.42
 * sends (fixtures/logto-1.42/06-webhooks.json), not from its docs:
 * - an addition (a member, a scope to a role) or a creation (a role, a scope,
 *   an organization; `Role.Scopes.Updated` also fires on `POST /roles`) never
 *   revokes: nobody has less than before;
 * - a removal revokes who lost something: the members Logto lists at the top
 *   level of `Organization.Membership.Updated` (`data` is `null`), for that
 *   organization only; a deleted or suspended user entirely;
 * - a change that takes permissions away but names nobody (a scope removed
 *   from a role, a role, scope or organization deleted) revokes the role's
 *   holders when the app can say who they are, else as narrowly as the event
 *   allows: an organization's tokens, or the tokens that carry a scope.
 * Logto sends no event at all for role assignments to users or applications,
 * nor for organization-role assignments (see docs/webhooks-and-logout.md).
 * @module
 */
import { ANY, isRevokedId } from './revoked-set.js';

/** The fields of a Logto webhook delivery that revocation reads; the rest is kept as sent. */
export interface LogtoWebhookEvent {
  hookId?: string;
  /** e.g. `User.Deleted`, `User.SuspensionStatus.Updated`, `Role.Scopes.Updated`. */
  event: string;
  /** When Logto made the delivery (ISO 8601); signed with the body, so it bounds replays. */
  createdAt?: string;
  /** Data-mutation events: the Management API method (`POST`, `PUT`, `PATCH`, `DELETE`). */
  method?: string;
  /** Data-mutation events: the route parameters of the Management API call (`userId`, `id`). */
  params?: Record<string, unknown>;
  /** Data-mutation events: the Management API route that changed the data, e.g. `/organizations/:id/users`. */
  matchedRoute?: string;
  /** Data-mutation events: the entity after the change; `null` for deletions and membership changes. */
  data?: unknown;
  /** `Organization.Membership.Updated`: the members that changed, at the top level of the body (Logto 1.42). */
  addedUserIds?: unknown;
  removedUserIds?: unknown;
  addedApplicationIds?: unknown;
  removedApplicationIds?: unknown;
  /** User-flow events: the user. */
  userId?: string;
  [field: string]: unknown;
}

/** One revocation a webhook asks for; every kind covers tokens issued up to the moment it is applied. */
export type WebhookRevocation =
  /** Every token of this user (or application: an M2M token's `sub` is its client id). */
  | { kind: 'user'; sub: string; reason: string }
  /** This user's or application's tokens for one organization (`*`: for every organization). */
  | { kind: 'membership'; organizationId: string; sub: string; reason: string }
  /** The tokens of one organization (`*`: every organization token). */
  | { kind: 'organization'; organizationId: string; reason: string }
  /** The tokens that carry this scope (`*`: every token that carries a scope). */
  | { kind: 'scope'; name: string; reason: string }
  /** Every token: only with `broadChanges: 'revoke-all'`, for a change that names nobody. */
  | { kind: 'all'; reason: string };

/** A role an event changed: an API role (`role`) or an organization role (`organization-role`). */
export interface ChangedRole {
  type: 'role' | 'organization-role';
  id: string;
}

/** A scope an event removed or deleted: an API resource's scope or an organization scope. */
export interface ChangedScope {
  type: 'scope' | 'organization-scope';
  id: string;
  resourceId?: string;
}

/** How the app helps map events that name nobody (options of the webhook handler). */
export interface EventResolvers {
  /**
   * Who holds a role (user ids and application ids), for changes that take
   * permissions from a role's holders without naming them (a scope removed
   * from a role, a role deleted). E.g. Logto's Management API
   * `GET /api/roles/:id/users` and `/applications`. Return `undefined` when not
   * known (a deleted role): the narrow default applies. A throw fails the
   * delivery (500), so Logto retries it. Default: none.
   */
  roleHolders?: (role: ChangedRole) => Promise<readonly string[] | undefined> | readonly string[] | undefined;
  /**
   * The name of a scope from its id, for a scope removed from a role or
   * deleted (Logto's body names only the id). Return `undefined` when not
   * known. Default: none.
   */
  scopeName?: (scope: ChangedScope) => Promise<string | undefined> | string | undefined;
  /**
   * Changes that can take a permission away but name nobody (and that
   * `roleHolders` and `scopeName` did not resolve): `narrow` revokes as
   * narrowly as the event allows (an organization's tokens for
   * `Organization.Deleted`, every token carrying a scope for a scope removed
   * from a role, every organization token for an organization role's scopes);
   * `revoke-all` revokes every token instead; `ignore` leaves them to expire.
   * Additions and creations never revoke, whatever this says. Default: `narrow`.
   */
  broadChanges?: 'narrow' | 'revoke-all' | 'ignore';
}

type Resolvers = EventResolvers;

/**
 * The revocations one event asks for (see the module header and the docs'
 * table). Asks `roleHolders` and `scopeName` only for a change that can take
 * a permission away; rejects when they do (the delivery is then retried).
 */
export async function revocationsFor(event: LogtoWebhookEvent, resolvers: Resolvers = {}): Promise<WebhookRevocation[]> {
  const reason = event.event;
  switch (reason) {
    case 'User.Deleted':
      return forUser(event, reason);
    case 'User.SuspensionStatus.Updated':
      // suspended: revoke; reactivated: nothing to withdraw
      return (event.data as { isSuspended?: unknown } | null | undefined)?.isSuspended === true ? forUser(event, reason) : [];
    case 'User.Data.Updated':
      // Logto 1.42 sends nothing for /users/:userId/roles; read it should a later version do so
      return routeHas(event, '/roles') ? forUser(event, reason) : [];
    case 'Organization.Membership.Updated':
      return membershipRemovals(event, resolvers);
    case 'Organization.Deleted': {
      const id = param(event, 'id');
      return unnamed(resolvers, reason, [{ kind: 'organization', organizationId: id ?? ANY, reason }]);
    }
    case 'Role.Scopes.Updated':
      if (isAddition(event)) return [];
      return roleLost(event, { type: 'role', id: param(event, 'id') }, { type: 'scope', id: param(event, 'scopeId') }, resolvers);
    case 'OrganizationRole.Scopes.Updated':
      if (isAddition(event)) return [];
      return roleLost(event, { type: 'organization-role', id: param(event, 'id') }, { type: 'organization-scope', id: param(event, 'organizationScopeId') ?? param(event, 'scopeId') }, resolvers);
    case 'Role.Deleted':
      return roleLost(event, { type: 'role', id: param(event, 'id') }, { type: 'scope', id: undefined }, resolvers);
    case 'OrganizationRole.Deleted':
      return roleLost(event, { type: 'organization-role', id: param(event, 'id') }, { type: 'organization-scope', id: undefined }, resolvers);
    case 'Scope.Deleted':
      return scopeLost(event, { type: 'scope', id: param(event, 'scopeId'), resourceId: param(event, 'resourceId') }, resolvers);
    case 'OrganizationScope.Deleted':
      return scopeLost(event, { type: 'organization-scope', id: param(event, 'id') }, resolvers);
    default:
      // *.Created, *.Data.Updated (names, descriptions, profiles, passwords), sign-in flows: nobody loses a permission
      return [];
  }
}

function forUser(event: LogtoWebhookEvent, reason: string): WebhookRevocation[] {
  const sub = param(event, 'userId') ?? idOf(event.data) ?? (isRevokedId(event.userId) ? event.userId : undefined);
  return sub === undefined ? [] : [{ kind: 'user', sub, reason }];
}

// POST adds (POST /roles and POST /organization-roles create a role with its scopes;
// POST /roles/:id/scopes adds scopes): nobody loses a permission
function isAddition(event: LogtoWebhookEvent): boolean {
  return typeof event.method === 'string' && event.method.toUpperCase() === 'POST';
}

function membershipRemovals(event: LogtoWebhookEvent, resolvers: Resolvers): WebhookRevocation[] | Promise<WebhookRevocation[]> {
  const reason = event.event;
  const organizationId = param(event, 'id');
  // Logto 1.42 puts the lists at the top level (data: null); older docs put them under data
  const data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as Record<string, unknown>;
  const removed = [...ids(event.removedUserIds ?? data.removedUserIds), ...ids(event.removedApplicationIds ?? data.removedApplicationIds)];
  // DELETE /organizations/:id/users/:userId and /applications/:applicationId name the one member removed
  if (removed.length === 0 && !isAddition(event)) {
    const member = param(event, 'userId') ?? param(event, 'applicationId');
    if (member !== undefined) removed.push(member);
  }
  if (removed.length > 0) return removed.map((sub) => ({ kind: 'membership', organizationId: organizationId ?? ANY, sub, reason }));
  // lists present (additions only) or a POST: nobody lost anything
  const listed = [event.addedUserIds, event.addedApplicationIds, event.removedUserIds, event.removedApplicationIds].some(Array.isArray);
  if (listed || isAddition(event)) return [];
  // a removal whose body names nobody: the organization's tokens
  return unnamed(resolvers, reason, [{ kind: 'organization', organizationId: organizationId ?? ANY, reason }]);
}

async function roleLost(event: LogtoWebhookEvent, role: { type: ChangedRole['type']; id: string | undefined }, scope: { type: ChangedScope['type']; id: string | undefined }, resolvers: Resolvers): Promise<WebhookRevocation[]> {
  const reason = event.event;
  const organizational = role.type === 'organization-role';
  if (role.id !== undefined && resolvers.roleHolders) {
    const holders = await resolvers.roleHolders({ type: role.type, id: role.id });
    if (holders !== undefined) {
      const subs = ids(holders, true);
      // an organization role is held per organization; its holders lose it in their organization tokens only
      return subs.map((sub): WebhookRevocation => (organizational ? { kind: 'membership', organizationId: ANY, sub, reason } : { kind: 'user', sub, reason }));
    }
  }
  if (scope.id !== undefined) {
    const named = await nameOf({ type: scope.type, id: scope.id }, resolvers);
    if (named !== undefined) return [{ kind: 'scope', name: named, reason }];
  }
  // organization roles and scopes appear only in organization tokens; an API role's scopes in tokens that carry a scope
  return unnamed(resolvers, reason, [organizational ? { kind: 'organization', organizationId: ANY, reason } : { kind: 'scope', name: ANY, reason }]);
}

async function scopeLost(event: LogtoWebhookEvent, scope: { type: ChangedScope['type']; id: string | undefined; resourceId?: string | undefined }, resolvers: Resolvers): Promise<WebhookRevocation[]> {
  const reason = event.event;
  if (scope.id !== undefined) {
    const named = await nameOf({ type: scope.type, id: scope.id, ...(scope.resourceId === undefined ? {} : { resourceId: scope.resourceId }) }, resolvers);
    if (named !== undefined) return [{ kind: 'scope', name: named, reason }];
  }
  return unnamed(resolvers, reason, [scope.type === 'organization-scope' ? { kind: 'organization', organizationId: ANY, reason } : { kind: 'scope', name: ANY, reason }]);
}

async function nameOf(scope: ChangedScope, resolvers: Resolvers): Promise<string | undefined> {
  if (!resolvers.scopeName) return undefined;
  const name = await resolvers.scopeName(scope);
  if (name === undefined) return undefined;
  // RFC 6749 §3.3: a scope token has no space
  if (!isRevokedId(name) || name.includes(' ')) throw new TypeError('logto-authkit: scopeName must return a scope name (no spaces) or undefined');
  return name;
}

// a change that names nobody: the narrow answer, every token, or nothing, as the app chose
function unnamed(resolvers: Resolvers, reason: string, narrow: WebhookRevocation[]): WebhookRevocation[] {
  const mode = resolvers.broadChanges ?? 'narrow';
  if (mode === 'ignore') return [];
  return mode === 'revoke-all' ? [{ kind: 'all', reason }] : narrow;
}

function param(event: LogtoWebhookEvent, name: string): string | undefined {
  const value = event.params?.[name];
  return isRevokedId(value) ? value : undefined;
}

function idOf(data: unknown): string | undefined {
  const id = (data as { id?: unknown } | null | undefined)?.id;
  return isRevokedId(id) ? id : undefined;
}

function routeHas(event: LogtoWebhookEvent, part: string): boolean {
  return typeof event.matchedRoute === 'string' && event.matchedRoute.includes(part);
}

// the ids of a list; with `strict`, anything that is not an id is an error (the app's resolver answered it)
function ids(list: unknown, strict = false): string[] {
  if (!Array.isArray(list)) {
    if (strict) throw new TypeError('logto-authkit: roleHolders must return an array of ids or undefined');
    return [];
  }
  const out: string[] = [];
  for (const id of list) {
    if (isRevokedId(id)) out.push(id);
    else if (strict) throw new TypeError('logto-authkit: roleHolders must return an array of ids or undefined');
  }
  return out;
}
