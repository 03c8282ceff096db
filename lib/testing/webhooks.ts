/**
 * Logto webhook deliveries as Logto 1.42 sends them (fixtures/logto-1.42/
 * 06-webhooks.json): the body's members in Logto's order, `data` filled as
 * Logto fills it, membership lists at the top level, and the
 * `logto-signature-sha-256` header: the lowercase hex HMAC-SHA-256 of the raw
 * body, keyed by the hook's signing key as UTF-8.
 * @see https://docs.logto.io/developers/webhooks/secure-webhooks
 * @module
 */
import { encodeUtf8 } from '../jose/base64url.js';
import { randomId } from './claims.js';

/** Every event a Logto 1.42 hook can subscribe to. */
export const LOGTO_EVENTS = [
  'PostRegister',
  'PostSignIn',
  'PostSignInAdaptiveMfaTriggered',
  'PostResetPassword',
  'User.Created',
  'User.Deleted',
  'User.Data.Updated',
  'User.SuspensionStatus.Updated',
  'Role.Created',
  'Role.Deleted',
  'Role.Data.Updated',
  'Role.Scopes.Updated',
  'Scope.Created',
  'Scope.Deleted',
  'Scope.Data.Updated',
  'Organization.Created',
  'Organization.Deleted',
  'Organization.Data.Updated',
  'Organization.Membership.Updated',
  'OrganizationRole.Created',
  'OrganizationRole.Deleted',
  'OrganizationRole.Data.Updated',
  'OrganizationRole.Scopes.Updated',
  'OrganizationScope.Created',
  'OrganizationScope.Deleted',
  'OrganizationScope.Data.Updated',
  'Identifier.Lockout',
  'Message.RateLimited',
  'Grant.LimitExceeded',
] as const;

/** One of Logto's webhook event names. */
export type LogtoEventName = (typeof LOGTO_EVENTS)[number];

/** The header that carries the signature. */
export const SIGNATURE_HEADER = 'logto-signature-sha-256';

/** Who and what an event is about; every id defaults to a random Logto-shaped one. */
export interface WebhookSubject {
  userId?: string;
  organizationId?: string;
  roleId?: string;
  scopeId?: string;
  resourceId?: string;
  organizationRoleId?: string;
  organizationScopeId?: string;
  applicationId?: string;
  /** `Organization.Membership.Updated`: who joined or left (one list per delivery, as Logto sends them). */
  addedUserIds?: readonly string[];
  removedUserIds?: readonly string[];
  addedApplicationIds?: readonly string[];
  removedApplicationIds?: readonly string[];
  /** `OrganizationRole.Scopes.Updated`: the role's scopes were replaced (`PUT`) rather than added to (`POST`). */
  replace?: boolean;
  /** `User.SuspensionStatus.Updated`: the new status. Default: `true`. */
  isSuspended?: boolean;
  /** Top-level members to replace or add (`undefined` removes one), applied last. */
  fields?: Record<string, unknown>;
}

/** A signed delivery: the exact body, its headers, and a `Request` to send it. */
export interface WebhookDelivery {
  event: LogtoEventName;
  /** The raw body, byte for byte what is signed. */
  body: string;
  headers: Record<string, string>;
  /** A POST of this delivery to `url`. */
  request(url: string): Request;
}

interface Context {
  now: number;
  hookId: string;
  ids: Required<Pick<WebhookSubject, 'userId' | 'organizationId' | 'roleId' | 'scopeId' | 'resourceId' | 'organizationRoleId' | 'organizationScopeId' | 'applicationId'>>;
  subject: WebhookSubject;
}

// the Management API caller Logto records; the captures were driven from Node
const CALLER = { userAgent: 'node', ip: '127.0.0.1' };
const TENANT = 'default';

const user = (c: Context, extra: Record<string, unknown> = {}) => ({
  id: c.ids.userId,
  username: 'test-user',
  primaryEmail: null,
  primaryPhone: null,
  name: 'Test User',
  avatar: null,
  customData: {},
  identities: {},
  lastSignInAt: null,
  createdAt: c.now,
  updatedAt: c.now,
  profile: {},
  applicationId: null,
  cimdClientId: null,
  isSuspended: false,
  ...extra,
});
const role = (c: Context) => ({ tenantId: TENANT, id: c.ids.roleId, name: 'test-role', description: 'test role', type: 'User', isDefault: false });
const scope = (c: Context) => ({ tenantId: TENANT, id: c.ids.scopeId, resourceId: c.ids.resourceId, name: 'read:data', description: 'read', createdAt: c.now });
const organization = (c: Context) => ({ tenantId: TENANT, id: c.ids.organizationId, name: 'Test organization', description: 'test organization', customData: {}, isMfaRequired: false, color: {}, branding: {}, customCss: null, createdAt: c.now });
const organizationRole = (c: Context) => ({ tenantId: TENANT, id: c.ids.organizationRoleId, name: 'member', description: 'member', type: 'User' });
const organizationScope = (c: Context) => ({ tenantId: TENANT, id: c.ids.organizationScopeId, name: 'read:org', description: 'org read' });

/** A Management API event: `[method, path, status, params, data?, extra top-level members?]`. */
type Route = { method: string; route: string; status: number; params: Record<string, string>; extra?: Record<string, unknown>; data?: unknown };

function managementRoute(event: LogtoEventName, c: Context): Route | undefined {
  const { userId, organizationId, roleId, scopeId, resourceId, organizationRoleId, organizationScopeId } = c.ids;
  // koa-router's params for /roles/:id carry the matched tail as "0" (06-webhooks.json #32, #34)
  const roleParams = (tail: string) => ({ 0: `/${roleId}${tail}`, id: roleId });
  switch (event) {
    case 'User.Created':
      return { method: 'POST', route: '/users', status: 200, params: {}, data: user(c, { hasPassword: true }) };
    case 'User.Data.Updated':
      return { method: 'PATCH', route: '/users/:userId', status: 200, params: { userId }, data: user(c, { hasPassword: true }) };
    case 'User.SuspensionStatus.Updated':
      return { method: 'PATCH', route: '/users/:userId/is-suspended', status: 200, params: { userId }, data: user(c, { isSuspended: c.subject.isSuspended ?? true, hasPassword: true }) };
    case 'User.Deleted':
      return { method: 'DELETE', route: '/users/:userId', status: 204, params: { userId }, data: user(c) };
    case 'Role.Created':
      return { method: 'POST', route: '/roles', status: 200, params: {}, data: role(c) };
    case 'Role.Data.Updated':
      return { method: 'PATCH', route: '/roles/:id', status: 200, params: roleParams(''), data: role(c) };
    case 'Role.Deleted':
      return { method: 'DELETE', route: '/roles/:id', status: 204, params: roleParams('') };
    case 'Role.Scopes.Updated':
      // the role's scopes after the change; the body names no user
      return { method: 'POST', route: '/roles/:id/scopes', status: 201, params: roleParams('/scopes'), data: [scope(c)] };
    case 'Scope.Created':
      return { method: 'POST', route: '/resources/:resourceId/scopes', status: 201, params: { resourceId }, data: scope(c) };
    case 'Scope.Data.Updated':
      return { method: 'PATCH', route: '/resources/:resourceId/scopes/:scopeId', status: 200, params: { resourceId, scopeId }, data: scope(c) };
    case 'Scope.Deleted':
      return { method: 'DELETE', route: '/resources/:resourceId/scopes/:scopeId', status: 204, params: { resourceId, scopeId } };
    case 'Organization.Created':
      return { method: 'POST', route: '/organizations', status: 201, params: {}, data: organization(c) };
    case 'Organization.Data.Updated':
      return { method: 'PATCH', route: '/organizations/:id', status: 200, params: { id: organizationId }, data: organization(c) };
    case 'Organization.Deleted':
      return { method: 'DELETE', route: '/organizations/:id', status: 204, params: { id: organizationId } };
    case 'Organization.Membership.Updated':
      return membershipRoute(c);
    case 'OrganizationRole.Created':
      return { method: 'POST', route: '/organization-roles', status: 201, params: {}, data: organizationRole(c) };
    case 'OrganizationRole.Data.Updated':
      return { method: 'PATCH', route: '/organization-roles/:id', status: 200, params: { id: organizationRoleId }, data: organizationRole(c) };
    case 'OrganizationRole.Deleted':
      return { method: 'DELETE', route: '/organization-roles/:id', status: 204, params: { id: organizationRoleId } };
    case 'OrganizationRole.Scopes.Updated':
      // no data and no user: only the role, in params (06-webhooks.json #40, #42)
      return c.subject.replace
        ? { method: 'PUT', route: '/organization-roles/:id/scopes', status: 204, params: { id: organizationRoleId } }
        : { method: 'POST', route: '/organization-roles/:id/scopes', status: 201, params: { id: organizationRoleId } };
    case 'OrganizationScope.Created':
      return { method: 'POST', route: '/organization-scopes', status: 201, params: {}, data: organizationScope(c) };
    case 'OrganizationScope.Data.Updated':
      return { method: 'PATCH', route: '/organization-scopes/:id', status: 200, params: { id: organizationScopeId }, data: organizationScope(c) };
    case 'OrganizationScope.Deleted':
      return { method: 'DELETE', route: '/organization-scopes/:id', status: 204, params: { id: organizationScopeId } };
    default:
      return undefined;
  }
}

// Logto sends one list per delivery, at the top level, `data` absent (06-webhooks.json #12, #16, #37)
function membershipRoute(c: Context): Route {
  const { organizationId } = c.ids;
  const { addedUserIds, removedUserIds, addedApplicationIds, removedApplicationIds } = c.subject;
  if (removedUserIds?.length === 1) return { method: 'DELETE', route: '/organizations/:id/users/:userId', status: 204, params: { id: organizationId, userId: removedUserIds[0]! }, extra: { organizationId, removedUserIds } };
  if (removedApplicationIds?.length === 1)
    return { method: 'DELETE', route: '/organizations/:id/applications/:applicationId', status: 204, params: { id: organizationId, applicationId: removedApplicationIds[0]! }, extra: { organizationId, removedApplicationIds } };
  if (removedUserIds || addedUserIds?.length === 0) return { method: 'PUT', route: '/organizations/:id/users', status: 204, params: { id: organizationId }, extra: { organizationId, addedUserIds, removedUserIds } };
  if (addedApplicationIds || removedApplicationIds)
    return { method: addedApplicationIds ? 'POST' : 'PUT', route: '/organizations/:id/applications', status: addedApplicationIds ? 201 : 204, params: { id: organizationId }, extra: { organizationId, addedApplicationIds, removedApplicationIds } };
  return { method: 'POST', route: '/organizations/:id/users', status: 201, params: { id: organizationId }, extra: { organizationId, addedUserIds: addedUserIds ?? [c.ids.userId] } };
}

const INTERACTION_EVENT: Partial<Record<LogtoEventName, string>> = { PostSignIn: 'SignIn', PostSignInAdaptiveMfaTriggered: 'SignIn', PostRegister: 'Register', PostResetPassword: 'ForgotPassword' };

/** The body of one delivery, members in Logto's order. */
export function webhookBody(event: LogtoEventName, defaults: { now: number; userId: string; applicationId: string }, subject: WebhookSubject = {}): Record<string, unknown> {
  const c: Context = {
    now: defaults.now,
    hookId: randomId(21),
    subject,
    ids: {
      userId: subject.userId ?? defaults.userId,
      organizationId: subject.organizationId ?? randomId(12),
      roleId: subject.roleId ?? randomId(21),
      scopeId: subject.scopeId ?? randomId(21),
      resourceId: subject.resourceId ?? randomId(21),
      organizationRoleId: subject.organizationRoleId ?? randomId(21),
      organizationScopeId: subject.organizationScopeId ?? randomId(21),
      applicationId: subject.applicationId ?? defaults.applicationId,
    },
  };
  const createdAt = new Date(c.now).toISOString();
  const route = managementRoute(event, c);
  let body: Record<string, unknown>;
  if (route) {
    const path = route.route.replace(/:(\w+)/g, (_, name: string) => route.params[name] ?? '');
    const request = { path, method: route.method, status: route.status, params: route.params, matchedRoute: route.route };
    // User.Deleted alone carries data before the request members (06-webhooks.json #59)
    body =
      event === 'User.Deleted'
        ? { event, createdAt, ...CALLER, data: route.data, ...request }
        : { event, createdAt, ...CALLER, ...request, ...route.extra, ...(route.data === undefined ? {} : { data: route.data }) };
  } else if (INTERACTION_EVENT[event]) {
    body = {
      event,
      interactionEvent: INTERACTION_EVENT[event],
      createdAt,
      sessionId: randomId(43, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
      userAgent: CALLER.userAgent,
      userId: c.ids.userId,
      userIp: CALLER.ip,
      user: user(c, { lastSignInAt: c.now }),
      application: { id: c.ids.applicationId, type: 'Traditional', name: 'test-app', description: null },
    };
  } else {
    // Identifier.Lockout, Message.RateLimited, Grant.LimitExceeded: not in the captures; the common members only
    body = { event, createdAt, ...CALLER };
  }
  body.hookId = c.hookId;
  const out: Record<string, unknown> = { ...body, ...subject.fields };
  for (const [name, value] of Object.entries(out)) if (value === undefined) delete out[name];
  return out;
}

/** Signs a body as Logto does and wraps it as a delivery. */
export async function signWebhook(body: Record<string, unknown>, signingKey: string): Promise<WebhookDelivery> {
  const raw = JSON.stringify(body);
  const headers = { 'content-type': 'application/json', 'user-agent': 'Logto (https://logto.io/)', [SIGNATURE_HEADER]: await webhookSignature(raw, signingKey) };
  return {
    event: body.event as LogtoEventName,
    body: raw,
    headers,
    request: (url) => new Request(url, { method: 'POST', headers, body: raw }),
  };
}

/** The lowercase hex HMAC-SHA-256 of `body` (its UTF-8 bytes), keyed by `signingKey` as UTF-8. */
export async function webhookSignature(body: string | Uint8Array<ArrayBuffer>, signingKey: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encodeUtf8(signingKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, typeof body === 'string' ? encodeUtf8(body) : body));
  return Array.from(mac, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
