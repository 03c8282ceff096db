// Guards over HTTP with REAL tokens from the embedded Logto-shaped issuer:
// scopes all/any, an organization from a route parameter, a custom claim
// (roles), an actor (act); then the RFC 9728 metadata and challenge. Every
// framework's snippet of docs/guards.md runs here as written (Express, Next, Hono, Fastify).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { claimIncludes, createExpressAuthMiddleware, forbidActor, requireActor, requireAnyScope, requireClaims, requireOrganization, requireScopes, resourceMetadataHandler, resourceMetadataPath, type WithAuth } from '../../lib/adapters/express.ts';
import * as fastifyGuards from '../../lib/adapters/fastify.ts';
import * as honoGuards from '../../lib/adapters/hono.ts';
import type { AuthEnv } from '../../lib/adapters/hono.ts';
import * as nextGuards from '../../lib/adapters/next.ts';
import { serveHonoOnLoopback } from '../helpers/hono.ts';
import type { AuthEvent } from '../../lib/events.ts';
import { startLogtoIssuer, type LogtoIssuer } from '../helpers/logto-issuer.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';

let logto: LogtoIssuer;
let server: LoopbackServer;
const events: AuthEvent[] = [];
let options: { logtoUrl: string; audience: string; resourceMetadata: { scopesSupported: string[] } };

before(async () => {
  logto = await startLogtoIssuer({ scopes: ['read:data', 'write:data', 'admin'] });
  options = { logtoUrl: logto.logtoUrl, audience: logto.audience, resourceMetadata: { scopesSupported: logto.scopes } };
  const app = express();
  const handler = (req: express.Request, res: express.Response) => res.json({ userId: (req as WithAuth).auth?.userId, actor: (req as WithAuth).auth?.actor ?? null });

  // docs/guards.md, Express
  const auth = createExpressAuthMiddleware(options);
  app.get(resourceMetadataPath(options), resourceMetadataHandler(options));
  app.use('/api', auth);
  app.post('/api/admin', requireScopes('admin'), handler);
  app.get('/api/reports', requireAnyScope('read:data', 'admin'), handler);
  app.get('/api/orgs/:orgId/members', requireOrganization({ param: 'orgId' }), handler);
  app.delete('/api/users/:id', requireClaims(claimIncludes('roles', 'admin')), handler);
  app.post('/api/support/notes', requireActor(), handler);
  app.post('/api/password', forbidActor(), handler);
  // end of snippet

  app.use('/guest', createExpressAuthMiddleware({ ...options, allowGuest: true }));
  app.post('/guest/admin', requireScopes('admin'), handler);
  app.use('/plain', createExpressAuthMiddleware({ logtoUrl: logto.logtoUrl, audience: logto.audience, allowGuest: true }));
  app.post('/plain/admin', requireScopes('admin'), handler);
  app.use('/watched', createExpressAuthMiddleware({ logtoUrl: logto.logtoUrl, audience: logto.audience, onEvent: (event) => events.push(event) }));
  app.post('/watched/admin', requireScopes('admin'), handler);
  app.get('/orgs/:orgId/no-auth', requireOrganization({ param: 'orgId' }), handler);
  app.get('/api/typo/:orgId', requireOrganization({ param: 'orgid' }), handler);
  app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ message: error.message });
  });
  server = await serveOnLoopback(app);
});
after(async () => {
  await server.close();
  await logto.close();
});

const call = (method: string, path: string, token?: string) => fetch(server.url + path, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });

// the resource_metadata parameter every challenge ends with under the resourceMetadata option
const metadataParameter = () => `, resource_metadata="${new URL(logto.audience).origin}/.well-known/oauth-protected-resource"`;

async function assertRefused(response: Response, status: number, code: string, challenge: string) {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('www-authenticate'), challenge);
  assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal((await response.json()).error, code);
}

describe('Express guards with real Logto tokens', () => {
  test('requireScopes lets a token with every scope through and answers 403 SCOPE_MISSING with scope= otherwise', async () => {
    assert.equal((await call('POST', '/api/admin', await logto.getToken({ scope: 'read:data admin' }))).status, 200);
    const refused = await call('POST', '/api/admin', await logto.getToken({ scope: 'read:data' }));
    await assertRefused(refused, 403, 'SCOPE_MISSING', `Bearer error="insufficient_scope", error_description="the token lacks the required scope admin", scope="admin"${metadataParameter()}`);
  });

  test('requireAnyScope lets one of the scopes through and lists every alternative in scope=', async () => {
    assert.equal((await call('GET', '/api/reports', await logto.getToken({ scope: 'admin' }))).status, 200);
    const refused = await call('GET', '/api/reports', await logto.getToken({ scope: 'write:data' }));
    await assertRefused(refused, 403, 'SCOPE_MISSING', `Bearer error="insufficient_scope", error_description="the token has none of the scopes read:data admin", scope="read:data admin"${metadataParameter()}`);
  });

  test('requireOrganization({ param }) compares the route parameter with the token organization', async () => {
    const token = await logto.getToken({ organizationId: 'org_1' });
    assert.equal((await call('GET', '/api/orgs/org_1/members', token)).status, 200);
    const other = await call('GET', '/api/orgs/org_2/members', token);
    await assertRefused(other, 403, 'ORGANIZATION_INVALID', `Bearer error="insufficient_scope", error_description="the token is for another organization than this route requires"${metadataParameter()}`);
    const none = await call('GET', '/api/orgs/org_1/members', await logto.getToken());
    await assertRefused(none, 403, 'ORGANIZATION_INVALID', `Bearer error="insufficient_scope", error_description="the token is not for an organization"${metadataParameter()}`);
  });

  test('requireClaims(claimIncludes) reads the custom roles claim', async () => {
    assert.equal((await call('DELETE', '/api/users/u1', await logto.getToken({ roles: ['editor', 'admin'] }))).status, 200);
    const refused = await call('DELETE', '/api/users/u1', await logto.getToken({ roles: ['editor'] }));
    await assertRefused(refused, 403, 'CLAIM_INVALID', `Bearer error="insufficient_scope", error_description="the token roles claim does not meet this route's requirement"${metadataParameter()}`);
  });

  test('requireActor and forbidActor read act, which the context exposes as auth.actor', async () => {
    const delegated = await logto.getToken({ actor: 'admin_7' });
    const own = await call('POST', '/api/support/notes', delegated);
    assert.equal(own.status, 200);
    assert.deepEqual((await own.json()).actor, { sub: 'admin_7' });
    await assertRefused(await call('POST', '/api/support/notes', await logto.getToken()), 403, 'ACTOR_INVALID', `Bearer error="insufficient_scope", error_description="this route needs a token that names an actor (act claim, RFC 8693 token exchange)"${metadataParameter()}`);
    assert.equal((await call('POST', '/api/password', await logto.getToken())).status, 200);
    assert.equal((await call('POST', '/api/password', delegated)).status, 403);
  });

  test('a guest fails a guard with 401 TOKEN_MISSING and the challenge without an error attribute', async () => {
    const metadata = `${new URL(logto.audience).origin}/.well-known/oauth-protected-resource`;
    await assertRefused(await call('POST', '/guest/admin'), 401, 'TOKEN_MISSING', `Bearer resource_metadata="${metadata}"`);
  });

  test('without the resourceMetadata option a guard answers the plain challenges: Bearer for a guest, no resource_metadata', async () => {
    await assertRefused(await call('POST', '/plain/admin'), 401, 'TOKEN_MISSING', 'Bearer');
    const refused = await call('POST', '/plain/admin', await logto.getToken({ scope: 'read:data' }));
    await assertRefused(refused, 403, 'SCOPE_MISSING', 'Bearer error="insufficient_scope", error_description="the token lacks the required scope admin", scope="admin"');
  });

  test("a guard's refusal reaches the auth middleware's onEvent as a rejected event of stage guard", async () => {
    events.length = 0;
    const refused = await call('POST', '/watched/admin', await logto.getToken({ scope: 'read:data' }));
    assert.equal(refused.status, 403);
    assert.deepEqual(events.map((event) => event.type), ['verified', 'rejected']);
    assert.deepEqual(events[1], { type: 'rejected', code: 'SCOPE_MISSING', status: 403, stage: 'guard', message: 'the token lacks the required scope admin', detail: { claim: 'scope', expected: ['admin'], actual: ['read:data'] } });
  });

  test('a guard with no auth middleware before it is a 500 that says to mount it, never a pass', async () => {
    const response = await call('GET', '/orgs/org_1/no-auth', await logto.getToken({ organizationId: 'org_1' }));
    assert.equal(response.status, 500);
    assert.match((await response.json()).message, /requireOrganization\(\) found no req\.auth: mount the auth middleware/);
  });

  test('a guard that names a route parameter the route lacks is a 500, never a pass', async () => {
    const response = await call('GET', '/api/typo/org_1', await logto.getToken({ organizationId: 'org_1' }));
    assert.equal(response.status, 500);
    assert.match((await response.json()).message, /route parameter "orgid"/);
  });

  test('a CORS preflight passes the auth middleware and is not refused by a guard (one only on POST never sees it)', async () => {
    const response = await fetch(`${server.url}/api/admin`, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
    assert.notEqual(response.status, 401);
    assert.notEqual(response.status, 403);
    assert.notEqual(response.status, 500);
  });
});

describe('RFC 9728 protected-resource metadata over HTTP', () => {
  test('GET /.well-known/oauth-protected-resource serves the issuer and the scopes', async () => {
    const response = await fetch(`${server.url}/.well-known/oauth-protected-resource`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(await response.json(), {
      resource: logto.audience,
      authorization_servers: [logto.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['read:data', 'write:data', 'admin'],
    });
  });

  test('the 401 challenge points at the metadata (resource_metadata, RFC 9728 §5.1)', async () => {
    const metadata = `${new URL(logto.audience).origin}/.well-known/oauth-protected-resource`;
    await assertRefused(await call('GET', '/api/reports'), 401, 'TOKEN_MISSING', `Bearer resource_metadata="${metadata}"`);
    const bad = await call('GET', '/api/reports', 'a.b.c');
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate')!, new RegExp(`^Bearer error="invalid_token", .*, resource_metadata="${metadata}"$`));
  });
});

describe('Next withAuth with guards, on real Fetch Requests', () => {
  const request = (path: string, token: string, method = 'GET') => new Request(`http://localhost${path}`, { method, headers: { authorization: `Bearer ${token}` } });

  test('the guards guide snippet: requireScopes(...)(handler) inside withAuth, and the requirement argument', async () => {
    const { withAuth, requireScopes } = nextGuards;
    // docs/guards.md, Next
    const POST = withAuth(requireScopes('admin')(async (_request, auth) => Response.json({ userId: auth.userId })), options);
    const GET = withAuth(async (_request, auth) => Response.json({ org: auth.organizationId }), options, { organization: { param: 'orgId' } });
    // end of snippet
    const admin = await POST(request('/api/admin', await logto.getToken({ scope: 'admin' }), 'POST'), undefined);
    assert.equal(admin.status, 200);
    assert.equal((await admin.json()).userId, logto.clientId);
    const refused = await POST(request('/api/admin', await logto.getToken({ scope: 'read:data' }), 'POST'), undefined);
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('www-authenticate'), `Bearer error="insufficient_scope", error_description="the token lacks the required scope admin", scope="admin"${metadataParameter()}`);
    assert.deepEqual(await refused.json(), { error: 'SCOPE_MISSING', message: 'the token lacks the required scope admin' });

    const token = await logto.getToken({ organizationId: 'org_1' });
    const mine = await GET(request('/api/orgs/org_1', token), { params: Promise.resolve({ orgId: 'org_1' }) });
    assert.deepEqual(await mine.json(), { org: 'org_1' });
    assert.equal((await GET(request('/api/orgs/org_2', token), { params: Promise.resolve({ orgId: 'org_2' }) })).status, 403);
  });

  test('withGuard with claims, and guardResponse for a proxy', async () => {
    const { withAuth, withGuard, guardResponse, protectRequest } = nextGuards;
    const handler = withAuth(withGuard({ claims: claimIncludes('roles', 'admin') }, async () => new Response('ok')), options);
    assert.equal((await handler(request('/x', await logto.getToken({ roles: ['admin'] })), undefined)).status, 200);
    assert.equal((await handler(request('/x', await logto.getToken({ roles: [] })), undefined)).status, 403);

    const proxy = (incoming: Request) => protectRequest(incoming, options, (auth) => guardResponse(incoming, auth, { actor: false }) ?? new Response(null, { headers: { 'x-middleware-next': '1' } }));
    assert.equal((await proxy(request('/x', await logto.getToken())))?.status, 200);
    const refused = await proxy(request('/x', await logto.getToken({ actor: 'admin_7' })));
    assert.equal(refused?.status, 403);
    assert.equal((await refused?.json()).error, 'ACTOR_INVALID');
  });

  test('a guarded handler called without withAuth throws, never passes', async () => {
    const guarded = nextGuards.requireScopes('admin')(async () => new Response('ok'));
    await assert.rejects(Promise.resolve().then(() => (guarded as unknown as (r: Request, c: unknown) => Promise<Response>)(new Request('http://localhost/x'), { params: Promise.resolve({}) })), /wrap the guarded handler in withAuth/);
  });
});

// the same cases through Hono and Fastify: the guards guide snippet of each, then one
// request per guard kind, each once allowed and once refused
const CASES: { name: string; method: string; path: string; token: () => Promise<string>; status: number; code?: string }[] = [
  { name: 'all scopes, held', method: 'POST', path: '/api/admin', token: () => logto.getToken({ scope: 'admin' }), status: 200 },
  { name: 'all scopes, missing', method: 'POST', path: '/api/admin', token: () => logto.getToken({ scope: 'read:data' }), status: 403, code: 'SCOPE_MISSING' },
  { name: 'any scope, held', method: 'GET', path: '/api/reports', token: () => logto.getToken({ scope: 'read:data' }), status: 200 },
  { name: 'any scope, none held', method: 'GET', path: '/api/reports', token: () => logto.getToken({ scope: 'write:data' }), status: 403, code: 'SCOPE_MISSING' },
  { name: 'organization from the route, same', method: 'GET', path: '/api/orgs/org_1/members', token: () => logto.getToken({ organizationId: 'org_1' }), status: 200 },
  { name: 'organization from the route, another', method: 'GET', path: '/api/orgs/org_2/members', token: () => logto.getToken({ organizationId: 'org_1' }), status: 403, code: 'ORGANIZATION_INVALID' },
  { name: 'roles claim, included', method: 'DELETE', path: '/api/users/u1', token: () => logto.getToken({ roles: ['admin'] }), status: 200 },
  { name: 'roles claim, not included', method: 'DELETE', path: '/api/users/u1', token: () => logto.getToken({ roles: ['editor'] }), status: 403, code: 'CLAIM_INVALID' },
  { name: 'actor, present', method: 'POST', path: '/api/support/notes', token: () => logto.getToken({ actor: 'admin_7' }), status: 200 },
  { name: 'actor, absent', method: 'POST', path: '/api/support/notes', token: () => logto.getToken(), status: 403, code: 'ACTOR_INVALID' },
];

async function runCases(baseUrl: string) {
  for (const row of CASES) {
    const response = await fetch(baseUrl + row.path, { method: row.method, headers: { authorization: `Bearer ${await row.token()}` } });
    assert.equal(response.status, row.status, `${row.name}: status`);
    if (row.code) {
      assert.equal((await response.json()).error, row.code, `${row.name}: code`);
      // the guard answers with the challenge the auth middleware left: resource_metadata included
      assert.match(response.headers.get('www-authenticate')!, /^Bearer error="insufficient_scope", .*resource_metadata="http[^"]+\/\.well-known\/oauth-protected-resource"$/, `${row.name}: challenge`);
    } else {
      await response.body?.cancel();
    }
  }
  const metadata = await fetch(`${baseUrl}/.well-known/oauth-protected-resource`);
  assert.equal(metadata.status, 200);
  assert.deepEqual((await metadata.json()).authorization_servers, [logto.issuer]);
  const missing = await fetch(`${baseUrl}/api/admin`, { method: 'POST' });
  assert.equal(missing.status, 401);
  assert.match(missing.headers.get('www-authenticate')!, /^Bearer resource_metadata="/);
}

describe('Express guards, the shared table', () => {
  test('every guard kind allows and refuses as in Hono and Fastify; the metadata and its challenge too', async () => {
    await runCases(server.url);
  });
});

describe('Hono guards with real Logto tokens', () => {
  test('every guard kind allows and refuses as in Express; the metadata and its challenge too', async () => {
    const { createHonoAuthMiddleware, requireScopes, requireAnyScope, requireOrganization, requireClaims, requireActor, claimIncludes, resourceMetadataHandler, resourceMetadataPath } = honoGuards;
    // docs/guards.md, Hono
    const app = new Hono<AuthEnv>();
    app.get(resourceMetadataPath(options), resourceMetadataHandler(options));
    app.use('/api/*', createHonoAuthMiddleware(options));
    app.post('/api/admin', requireScopes('admin'), (c) => c.json({ userId: c.get('auth').userId }));
    app.get('/api/orgs/:orgId/members', requireOrganization({ param: 'orgId' }), (c) => c.json({ ok: true }));
    // end of snippet
    app.get('/api/reports', requireAnyScope('read:data', 'admin'), (c) => c.json({ ok: true }));
    app.delete('/api/users/:id', requireClaims(claimIncludes('roles', 'admin')), (c) => c.json({ ok: true }));
    app.post('/api/support/notes', requireActor(), (c) => c.json({ ok: true }));
    app.get('/no-auth', requireScopes('admin'), (c) => c.json({ ok: true }));
    app.onError((error, c) => c.json({ message: error.message }, 500));
    const server = await serveHonoOnLoopback(app, { overrideGlobalObjects: false });
    try {
      await runCases(server.url);
      const unguarded = await fetch(`${server.url}/no-auth`);
      assert.equal(unguarded.status, 500);
      assert.match((await unguarded.json()).message, /found no c\.get\('auth'\): mount the auth middleware/);
    } finally {
      await server.close();
    }
  });
});

describe('Fastify guards with real Logto tokens', () => {
  test('every guard kind allows and refuses as in Express; the metadata and its challenge too', async () => {
    const { createFastifyAuthHook, requireScopes, requireAnyScope, requireOrganization, requireClaims, requireActor, claimIncludes, resourceMetadataHandler, resourceMetadataPath } = fastifyGuards;
    // docs/guards.md, Fastify
    const app = Fastify();
    app.get(resourceMetadataPath(options), resourceMetadataHandler(options));
    app.register(async (api) => {
      api.addHook('onRequest', createFastifyAuthHook(options));
      api.post('/api/admin', { preHandler: requireScopes('admin') }, async (request) => ({ userId: request.auth?.userId }));
      api.get('/api/orgs/:orgId/members', { preHandler: requireOrganization({ param: 'orgId' }) }, async () => ({ ok: true }));
      // end of snippet
      api.get('/api/reports', { preHandler: requireAnyScope('read:data', 'admin') }, async () => ({ ok: true }));
      api.delete('/api/users/:id', { preHandler: requireClaims(claimIncludes('roles', 'admin')) }, async () => ({ ok: true }));
      api.post('/api/support/notes', { preHandler: requireActor() }, async () => ({ ok: true }));
    });
    app.get('/no-auth', { preHandler: requireScopes('admin') }, async () => ({ ok: true }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await runCases(url);
      const unguarded = await fetch(`${url}/no-auth`);
      assert.equal(unguarded.status, 500);
      assert.match((await unguarded.json()).message, /found no request\.auth: add the auth hook/);
    } finally {
      await app.close();
    }
  });
});
