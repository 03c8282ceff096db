import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertRequirement, checkRequirements, claimEquals, claimIncludes, guardsFor, requirementError, type GuardRequest, type Requirement } from '../../lib/authorize/requirements.ts';
import { contextOf, type AuthContext } from '../../lib/context.ts';
import type { AuthErrorCode } from '../../lib/errors.ts';
import type { JWTPayload } from '../../lib/jose/claims.ts';

const NOW = 1_800_000_000;
const token = (claims: Partial<JWTPayload> & Record<string, unknown> = {}): AuthContext =>
  contextOf({ iss: 'https://tenant.logto.app/oidc', sub: 'user_1', aud: 'https://api.example.com', exp: NOW + 3600, scope: 'read write', ...claims });
const guest: AuthContext = { userId: null, isAuthenticated: false, payload: null, isGuest: true, guestId: '0b5c1e4e-8b7a-4c36-9b1f-2f7d6f3e9a11' };
const request = (params?: Record<string, string>, headers: Record<string, string> = {}): GuardRequest<{ path: string }> => ({ raw: { path: '/orgs/org_1' }, params, headers });

interface Row {
  name: string;
  auth: AuthContext;
  requirement: Requirement<{ path: string }>;
  request?: GuardRequest<{ path: string }>;
  /** `undefined`: allowed. */
  code?: AuthErrorCode;
  /** What the challenge's scope= would list (detail.expected of SCOPE_MISSING). */
  scopes?: string[];
}

const ROWS: Row[] = [
  { name: 'all scopes granted', auth: token(), requirement: { scopes: ['read', 'write'] } },
  { name: 'one scope as a string', auth: token(), requirement: { scopes: 'write' } },
  { name: 'a scope missing', auth: token(), requirement: { scopes: ['read', 'admin'] }, code: 'SCOPE_MISSING', scopes: ['read', 'admin'] },
  { name: 'a scope that is only a prefix of a granted one', auth: token({ scope: 'read:all' }), requirement: { scopes: 'read' }, code: 'SCOPE_MISSING', scopes: ['read'] },
  { name: 'no scope claim at all', auth: token({ scope: undefined }), requirement: { scopes: 'read' }, code: 'SCOPE_MISSING', scopes: ['read'] },
  { name: 'one of the any-of scopes', auth: token(), requirement: { anyScope: ['admin', 'write'] } },
  { name: 'none of the any-of scopes', auth: token(), requirement: { anyScope: ['admin', 'owner'] }, code: 'SCOPE_MISSING', scopes: ['admin', 'owner'] },
  { name: 'all-of held, any-of not: scope= lists both', auth: token(), requirement: { scopes: 'read', anyScope: ['admin', 'owner'] }, code: 'SCOPE_MISSING', scopes: ['read', 'admin', 'owner'] },
  { name: 'any organization, token has one', auth: token({ organization_id: 'org_1' }), requirement: { organization: true } },
  { name: 'any organization, urn audience', auth: token({ aud: 'urn:logto:organization:org_2' }), requirement: { organization: true } },
  { name: 'any organization, token has none', auth: token(), requirement: { organization: true }, code: 'ORGANIZATION_INVALID' },
  { name: 'fixed ids, token in them', auth: token({ organization_id: 'org_2' }), requirement: { organization: ['org_1', 'org_2'] } },
  { name: 'fixed id, token for another', auth: token({ organization_id: 'org_2' }), requirement: { organization: 'org_1' }, code: 'ORGANIZATION_INVALID' },
  { name: 'route parameter matches', auth: token({ organization_id: 'org_1' }), requirement: { organization: { param: 'orgId' } }, request: request({ orgId: 'org_1' }) },
  { name: 'route parameter names another organization', auth: token({ organization_id: 'org_1' }), requirement: { organization: { param: 'orgId' } }, request: request({ orgId: 'org_2' }), code: 'ORGANIZATION_INVALID' },
  { name: 'route parameter, token of no organization', auth: token(), requirement: { organization: { param: 'orgId' } }, request: request({ orgId: 'org_1' }), code: 'ORGANIZATION_INVALID' },
  { name: 'header matches (any case of the name)', auth: token({ organization_id: 'org_1' }), requirement: { organization: { header: 'X-Organization-Id' } }, request: request({}, { 'x-organization-id': 'org_1' }) },
  { name: 'header absent', auth: token({ organization_id: 'org_1' }), requirement: { organization: { header: 'x-organization-id' } }, request: request({}), code: 'ORGANIZATION_INVALID' },
  { name: 'function of the request', auth: token({ organization_id: 'org_1' }), requirement: { organization: (raw) => raw.path.split('/')[2] }, request: request() },
  { name: 'function returns nothing', auth: token({ organization_id: 'org_1' }), requirement: { organization: () => undefined }, request: request(), code: 'ORGANIZATION_INVALID' },
  { name: 'roles include admin', auth: token({ roles: ['admin', 'editor'] }), requirement: { claims: claimIncludes('roles', 'admin') } },
  { name: 'roles lack admin', auth: token({ roles: ['editor'] }), requirement: { claims: claimIncludes('roles', 'admin') }, code: 'CLAIM_INVALID' },
  { name: 'claimIncludes wants every value', auth: token({ roles: ['admin'] }), requirement: { claims: claimIncludes('roles', 'admin', 'editor') }, code: 'CLAIM_INVALID' },
  { name: 'claimIncludes reads a space-separated string', auth: token({ roles: 'admin editor' }), requirement: { claims: claimIncludes('roles', 'editor') } },
  { name: 'claim absent', auth: token(), requirement: { claims: claimIncludes('roles', 'admin') }, code: 'CLAIM_INVALID' },
  { name: 'claimEquals holds', auth: token({ tier: 'gold' }), requirement: { claims: claimEquals('tier', 'gold') } },
  { name: 'claimEquals does not coerce', auth: token({ level: '3' }), requirement: { claims: claimEquals('level', 3) }, code: 'CLAIM_INVALID' },
  { name: 'a custom predicate', auth: token({ client_id: 'm2m' }), requirement: { claims: (payload) => payload.client_id === 'm2m' } },
  { name: 'a predicate returning a truthy non-boolean is not a pass', auth: token(), requirement: { claims: (() => 'yes') as never }, code: 'CLAIM_INVALID' },
  { name: 'actor required and present', auth: token({ act: { sub: 'admin_7' } }), requirement: { actor: true } },
  { name: 'actor required, absent', auth: token(), requirement: { actor: true }, code: 'ACTOR_INVALID' },
  { name: 'actor required, act not an object', auth: token({ act: 'admin_7' }), requirement: { actor: true }, code: 'ACTOR_INVALID' },
  { name: 'actor refused, absent', auth: token(), requirement: { actor: false } },
  { name: 'actor refused, present', auth: token({ act: { sub: 'admin_7' } }), requirement: { actor: false }, code: 'ACTOR_INVALID' },
  { name: 'actor required, act names a client', auth: token({ act: { client_id: 'm2m_app' } }), requirement: { actor: true } },
  { name: 'actor required, act is an empty object', auth: token({ act: {} }), requirement: { actor: true }, code: 'ACTOR_INVALID' },
  { name: 'actor required, act has an empty sub', auth: token({ act: { sub: '' } }), requirement: { actor: true }, code: 'ACTOR_INVALID' },
  { name: 'actor required, act sub is not a string', auth: token({ act: { sub: 7 } }), requirement: { actor: true }, code: 'ACTOR_INVALID' },
  { name: 'actor required, act is an array of actors', auth: token({ act: [{ sub: 'admin_7' }] }), requirement: { actor: true }, code: 'ACTOR_INVALID' },
  { name: 'actor refused, act is a string', auth: token({ act: 'admin_7' }), requirement: { actor: false }, code: 'ACTOR_INVALID' },
  { name: 'actor refused, act is an array', auth: token({ act: [{ sub: 'admin_7' }] }), requirement: { actor: false }, code: 'ACTOR_INVALID' },
  { name: 'actor refused, act is null', auth: token({ act: null }), requirement: { actor: false }, code: 'ACTOR_INVALID' },
  { name: 'actor refused, act is an empty object', auth: token({ act: {} }), requirement: { actor: false }, code: 'ACTOR_INVALID' },
  { name: 'a guest fails even an empty requirement', auth: guest, requirement: {}, code: 'TOKEN_MISSING' },
  { name: 'a guest fails a scope requirement with 401, not 403', auth: guest, requirement: { scopes: 'read' }, code: 'TOKEN_MISSING' },
  { name: 'scopes are checked before the organization', auth: token(), requirement: { scopes: 'admin', organization: true }, code: 'SCOPE_MISSING', scopes: ['admin'] },
  { name: 'the organization before the claims', auth: token({ roles: [] }), requirement: { organization: true, claims: claimIncludes('roles', 'admin') }, code: 'ORGANIZATION_INVALID' },
  { name: 'the claims before the actor', auth: token(), requirement: { claims: claimIncludes('roles', 'admin'), actor: true }, code: 'CLAIM_INVALID' },
  // who may call: a machine token's sub is its client_id (Logto's client credentials)
  { name: 'users only, a user token', auth: token({ client_id: 'app_web' }), requirement: { acceptsToken: 'user' } },
  { name: 'users only, a machine token', auth: token({ sub: 'app_m2m', client_id: 'app_m2m' }), requirement: { acceptsToken: 'user' }, code: 'TOKEN_TYPE_NOT_ACCEPTED' },
  { name: 'machines only, a user token', auth: token({ client_id: 'app_web' }), requirement: { acceptsToken: 'machine' }, code: 'TOKEN_TYPE_NOT_ACCEPTED' },
  { name: 'machines only, a machine token', auth: token({ sub: 'app_m2m', client_id: 'app_m2m' }), requirement: { acceptsToken: 'machine' } },
  { name: 'any token type', auth: token({ sub: 'app_m2m', client_id: 'app_m2m' }), requirement: { acceptsToken: 'any' } },
  { name: 'a listed client', auth: token({ client_id: 'app_web' }), requirement: { clients: ['app_other', 'app_web'] } },
  { name: 'a listed URL-shaped client (MCP client ID metadata document)', auth: token({ client_id: 'https://mcp.example.com/client.json' }), requirement: { clients: 'https://mcp.example.com/client.json' } },
  { name: 'a URL-shaped client that differs by a trailing slash', auth: token({ client_id: 'https://mcp.example.com/client.json/' }), requirement: { clients: 'https://mcp.example.com/client.json' }, code: 'CLIENT_NOT_ALLOWED' },
  { name: 'a client outside the list', auth: token({ client_id: 'app_evil' }), requirement: { clients: ['app_web'] }, code: 'CLIENT_NOT_ALLOWED' },
  { name: 'a token of no client under a client list', auth: token({ client_id: undefined }), requirement: { clients: ['app_web'] }, code: 'CLIENT_NOT_ALLOWED' },
  { name: 'the claims before the token type', auth: token({ sub: 'app_m2m', client_id: 'app_m2m' }), requirement: { claims: claimIncludes('roles', 'admin'), acceptsToken: 'user' }, code: 'CLAIM_INVALID' },
  { name: 'the token type before the client', auth: token({ sub: 'app_m2m', client_id: 'app_m2m' }), requirement: { acceptsToken: 'user', clients: ['app_web'] }, code: 'TOKEN_TYPE_NOT_ACCEPTED' },
  { name: 'the client before the actor', auth: token({ client_id: 'app_evil', act: { sub: 'admin_7' } }), requirement: { clients: ['app_web'], actor: false }, code: 'CLIENT_NOT_ALLOWED' },
  { name: 'a context built by hand is read from its payload', auth: { userId: 'app_m2m', isAuthenticated: true, payload: { sub: 'app_m2m', client_id: 'app_m2m' } }, requirement: { acceptsToken: 'user' }, code: 'TOKEN_TYPE_NOT_ACCEPTED' },
];

describe('requirementError', () => {
  for (const row of ROWS) {
    test(`${row.code ? `answers ${row.code}` : 'allows'}: ${row.name}`, () => {
      const error = requirementError(row.auth, row.requirement, row.request);
      assert.equal(error?.code, row.code);
      if (row.code === 'TOKEN_MISSING') assert.equal(error?.status, 401);
      else if (row.code) assert.equal(error?.status, 403);
      if (row.scopes) assert.deepEqual(error?.detail?.expected, row.scopes);
    });
  }
});

describe('checkRequirements', () => {
  test('throws the AuthError and returns nothing when allowed', () => {
    assert.throws(() => checkRequirements(token(), { scopes: 'admin' }), { name: 'AuthError', code: 'SCOPE_MISSING', status: 403 });
    assert.equal(checkRequirements(token(), { scopes: 'read' }), undefined);
  });

  test('throws TypeError for a request requirement without a request, and for a route parameter the route lacks', () => {
    assert.throws(() => checkRequirements(token({ organization_id: 'org_1' }), { organization: { param: 'orgId' } }), TypeError);
    assert.throws(() => checkRequirements(token({ organization_id: 'org_1' }), { organization: { param: 'orgid' } }, request({ orgId: 'org_1' })), /route parameter "orgid"/);
  });

  test('throws TypeError for a malformed requirement instead of failing closed in silence', () => {
    assert.throws(() => checkRequirements(token(), { scopes: 'read write' }), /each a non-empty string without spaces/);
  });

  test('never puts the allowed organizations in the message, only in detail', () => {
    const error = requirementError(token({ organization_id: 'org_9' }), { organization: ['org_secret_1', 'org_secret_2'] });
    assert.doesNotMatch(error!.message, /org_secret/);
    assert.deepEqual(error!.detail, { claim: 'organization_id', expected: ['org_secret_1', 'org_secret_2'], actual: 'org_9' });
  });

  test('never puts the allowed clients in the message, only in detail', () => {
    const error = requirementError(token({ client_id: 'app_evil' }), { clients: ['app_secret_partner'] });
    assert.equal(error!.message, 'the token "client_id" is not a client this route accepts');
    assert.equal(error!.status, 403);
    assert.deepEqual(error!.detail, { claim: 'client_id', expected: ['app_secret_partner'], actual: 'app_evil' });
  });

  test('puts the acting chain of a refused actor in detail, for audit logs', () => {
    const act = { sub: 'agent_2', act: { sub: 'agent_1' } };
    const error = requirementError(token({ act }), { actor: false });
    assert.deepEqual(error!.detail, { claim: 'act', expected: 'absent', actual: [act, { sub: 'agent_1' }] });
  });

  test('names the claim a claim predicate read, never the values it wanted', () => {
    const error = requirementError(token({ roles: ['editor'] }), { claims: claimIncludes('roles', 'super-secret-role') });
    assert.equal(error!.message, 'the token "roles" claim does not meet this route\'s requirement');
  });
});

describe('assertRequirement', () => {
  const BAD: [string, unknown][] = [
    ['no scopes', { scopes: [] }],
    ['a scope with a space', { scopes: ['read write'] }],
    ['an empty scope', { anyScope: [''] }],
    ['an empty organization id', { organization: '' }],
    ['both param and header', { organization: { param: 'a', header: 'b' } }],
    ['organization false', { organization: false }],
    ['claims not a function', { claims: 'roles' }],
    ['no claims', { claims: [] }],
    ['actor not a boolean', { actor: 'yes' }],
    ['an unknown token type', { acceptsToken: 'service' }],
    ['no clients', { clients: [] }],
    ['an empty client id', { clients: [''] }],
    ['not an object', null],
  ];
  for (const [name, requirement] of BAD) {
    test(`throws TypeError for ${name}`, () => assert.throws(() => assertRequirement(requirement as Requirement), TypeError));
  }
});

describe('guardsFor', () => {
  const made: [Requirement, string][] = [];
  const guards = guardsFor((requirement: Requirement, name) => {
    made.push([requirement, name]);
    return name;
  });

  test('turns each shorthand into its requirement', () => {
    made.length = 0;
    const predicate = claimIncludes('roles', 'admin');
    guards.requireScopes('a', 'b');
    guards.requireAnyScope('c', 'd');
    guards.requireOrganization();
    guards.requireOrganization({ param: 'orgId' });
    guards.requireClaims(predicate);
    guards.requireActor();
    guards.forbidActor();
    guards.guard({ scopes: 'x' });
    guards.requireUser();
    guards.requireMachine();
    guards.requireClients('app_web', 'https://mcp.example.com/client.json');
    assert.deepEqual(made, [
      [{ scopes: ['a', 'b'] }, 'requireScopes'],
      [{ anyScope: ['c', 'd'] }, 'requireAnyScope'],
      [{ organization: true }, 'requireOrganization'],
      [{ organization: { param: 'orgId' } }, 'requireOrganization'],
      [{ claims: [predicate] }, 'requireClaims'],
      [{ actor: true }, 'requireActor'],
      [{ actor: false }, 'forbidActor'],
      [{ scopes: 'x' }, 'guard'],
      [{ acceptsToken: 'user' }, 'requireUser'],
      [{ acceptsToken: 'machine' }, 'requireMachine'],
      [{ clients: ['app_web', 'https://mcp.example.com/client.json'] }, 'requireClients'],
    ]);
  });

  test('keeps a frozen copy of the requirement: lists emptied, grown or replaced later change nothing', () => {
    const checks = guardsFor((requirement: Requirement) => (auth: AuthContext) => requirementError(auth, requirement)?.code);
    const requirement = { scopes: ['admin'], anyScope: ['write', 'owner'], organization: ['org_1'] };
    const check = checks.guard(requirement);
    const organizations = ['org_1'];
    const orgCheck = checks.requireOrganization(organizations);
    requirement.scopes.length = 0;
    requirement.anyScope.push('read');
    requirement.organization.push('org_2');
    (requirement as { scopes: string[] }).scopes = [];
    organizations.push('org_2');
    assert.equal(check(token({ scope: 'read' })), 'SCOPE_MISSING'); // a read-only token still refused
    assert.equal(check(token({ scope: 'admin read' })), 'SCOPE_MISSING'); // 'read' added to anyScope later counts for nothing
    assert.equal(check(token({ scope: 'admin write', organization_id: 'org_2' })), 'ORGANIZATION_INVALID');
    assert.equal(check(token({ scope: 'admin write', organization_id: 'org_1' })), undefined);
    assert.equal(orgCheck(token({ organization_id: 'org_2' })), 'ORGANIZATION_INVALID');
    assert.equal(orgCheck(token({ organization_id: 'org_1' })), undefined);
  });

  test('hands make a frozen requirement whose lists and objects are frozen too', () => {
    made.length = 0;
    guards.guard({ scopes: ['a'], organization: { param: 'orgId' }, claims: [claimIncludes('roles', 'admin')] });
    const [requirement] = made[0]!;
    assert.ok(Object.isFrozen(requirement));
    assert.ok(Object.isFrozen(requirement.scopes));
    assert.ok(Object.isFrozen(requirement.organization));
    assert.ok(Object.isFrozen(requirement.claims));
  });

  test('refuses a bad requirement when the guard is made, not per request', () => {
    assert.throws(() => guards.requireScopes(), TypeError);
    assert.throws(() => guards.requireClaims(), TypeError);
    assert.throws(() => guards.requireClients(), TypeError);
  });
});

describe('claim predicates', () => {
  test('throw a TypeError that says how to use them when called as middleware', () => {
    const predicate = claimIncludes('roles', 'admin');
    assert.throws(() => (predicate as unknown as (...args: unknown[]) => unknown)({}, {}, () => {}), /requireClaims\(claimIncludes/);
  });

  test('refuse to be made without a claim or a value', () => {
    assert.throws(() => claimIncludes('roles'), TypeError);
    assert.throws(() => claimEquals('', 'x'), TypeError);
  });
});
