// One table of requests through every adapter over real HTTP: each must give
// the status, JSON body and headers the contract fixes, and all of them must
// give the same answer as the Express middleware, byte for byte where the
// answer is ours (errors, challenges, the guest cookie).
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import express4 from 'express4';
import { getRequestListener } from '@hono/node-server';
import { NextRequest } from 'next/server.js';
import { createExpressAuthMiddleware, guard as expressGuard, type WithAuth } from '../../lib/adapters/express.ts';
import Fastify from 'fastify';
import Fastify4 from 'fastify4';
import { Hono } from 'hono';
import { createFastifyAuthHook, guard as fastifyGuard } from '../../lib/adapters/fastify.ts';
import { createHonoAuthMiddleware, guard as honoGuard, type AuthEnv } from '../../lib/adapters/hono.ts';
import Hapi from '@hapi/hapi';
import { guard as hapiGuard, hapiLogtoAuth, type HapiCredentials } from '../../lib/adapters/hapi.ts';
import Koa from 'koa';
import { startNestApp, type NestMajor, type NestPlatform } from '../helpers/nest-app.ts';
import { startBunApp } from '../helpers/bun-app.ts';
import Router from '@koa/router';
import { createKoaAuthMiddleware, guard as koaGuard, type AuthState as KoaAuthState, type KoaAuthMiddleware } from '../../lib/adapters/koa.ts';
import { guardResponse, protectRequest, withAuth } from '../../lib/adapters/next.ts';
import { claimIncludes, type Requirement } from '../../lib/authorize/requirements.ts';
import type { AuthContext } from '../../lib/context.ts';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import type { VerifyAuthOptions } from '../../lib/options.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint } from '../helpers/keys.ts';
import { startLogtoIssuer, type LogtoIssuer } from '../helpers/logto-issuer.ts';
import { serveHonoOnLoopback, startHonoWorker } from '../helpers/hono.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';

/** What every adapter's handler answers once let through: the same JSON everywhere. */
function echo(auth: AuthContext | undefined): { userId: string | null; isAuthenticated: boolean; isGuest: boolean; guestId: string | null } | { auth: null } {
  if (!auth) return { auth: null };
  return { userId: auth.userId, isAuthenticated: auth.isAuthenticated, isGuest: auth.isGuest === true, guestId: auth.guestId ?? null };
}

// The guarded routes every adapter that routes also serves, behind its auth
// layer (the `base` options): /g/<name>, and /g/orgs/:orgId for the route parameter.
// no request-function sources here, so one table fits every adapter's request type
const GUARDED: Record<string, Requirement<any>> = {
  'scopes-all': { scopes: ['read:data', 'admin:all'] },
  'scopes-any': { anyScope: ['admin:all', 'write:data'] },
  roles: { claims: [claimIncludes('roles', 'admin')] },
  actor: { actor: true },
  // who may call (docs/context.md): the issuer's tokens are machine tokens of client m2m-test-app
  users: { acceptsToken: 'user' },
  clients: { clients: ['https://mcp.example/client-metadata.json', 'web-app'] },
};
const ORGANIZATION_ROUTE: Requirement<any> = { organization: { param: 'orgId' } };

/** An adapter under test: serves `/api/data` (every method) behind the auth layer built from `options`. */
export interface AdapterUnderTest {
  name: string;
  serve(options: VerifyAuthOptions): Promise<LoopbackServer>;
  /** `false` for an adapter with no routing (bare node:http): the guard table skips it. */
  routes?: false;
  /** One server for every option set at once, each under its own base URL (a Worker takes its options as a binding). */
  serveAll?(sets: Record<string, VerifyAuthOptions>): Promise<Record<string, LoopbackServer>>;
}

const expressLike = (name: string, create: () => express.Express): AdapterUnderTest => ({
  name,
  serve: (options) => {
    const app = create();
    const reply: express.RequestHandler = (req, res) => void res.json(echo((req as express.Request & WithAuth).auth));
    app.all('/api/data', createExpressAuthMiddleware(options) as express.RequestHandler, reply);
    // the Express composition the README shows: auth once for the prefix, a guard per route
    app.use('/g', createExpressAuthMiddleware(options) as express.RequestHandler);
    for (const [name, requirement] of Object.entries(GUARDED)) app.get(`/g/${name}`, expressGuard(requirement) as express.RequestHandler, reply);
    app.get('/g/orgs/:orgId', expressGuard(ORGANIZATION_ROUTE) as express.RequestHandler, reply);
    return serveOnLoopback(app);
  },
});

const bareNode: AdapterUnderTest = {
  name: 'node:http',
  routes: false,
  serve: (options) => {
    const middleware = createExpressAuthMiddleware(options);
    return serveOnLoopback((req: IncomingMessage & WithAuth, res: ServerResponse) => {
      middleware(req, res, (error) => {
        if (error) {
          res.statusCode = 500;
          return res.end();
        }
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.end(JSON.stringify(echo(req.auth)));
      });
    });
  },
};

const nextWithAuth: AdapterUnderTest = {
  name: 'Next withAuth',
  serve: (options) => {
    const reply = async (_request: NextRequest, auth: AuthContext) => Response.json(echo(auth.isAuthenticated || auth.isGuest ? auth : undefined));
    const handler = withAuth(reply, options);
    // one route handler per guarded route, as App Router files would be; params come as Next passes them
    const guarded = new Map(Object.entries(GUARDED).map(([name, requirement]) => [`/g/${name}`, withAuth(reply, options, requirement as Requirement<NextRequest>)]));
    const organizationRoute = withAuth(reply, options, ORGANIZATION_ROUTE as Requirement<NextRequest>);
    return serveOnLoopback(
      getRequestListener((request) => {
        const path = new URL(request.url).pathname;
        const orgId = /^\/g\/orgs\/([^/]+)$/.exec(path)?.[1];
        if (orgId !== undefined) return organizationRoute(toNextRequest(request), { params: Promise.resolve({ orgId }) });
        return (guarded.get(path) ?? handler)(toNextRequest(request), {});
      }),
    );
  },
};

const honoOnNode: AdapterUnderTest = {
  name: 'Hono on Node',
  serve: (options) => {
    const app = new Hono<AuthEnv>();
    app.use('/api/data', createHonoAuthMiddleware(options));
    const reply = (c: { var: { auth: AuthContext }; json(body: unknown): Response }) => c.json(echo(c.var.auth.isAuthenticated || c.var.auth.isGuest ? c.var.auth : undefined));
    app.all('/api/data', reply);
    app.use('/g/*', createHonoAuthMiddleware(options));
    for (const [name, requirement] of Object.entries(GUARDED)) app.get(`/g/${name}`, honoGuard(requirement), reply);
    app.get('/g/orgs/:orgId', honoGuard(ORGANIZATION_ROUTE), reply);
    return serveHonoOnLoopback(app, { overrideGlobalObjects: false });
  },
};

const fastifyOf = (name: string, create: () => ReturnType<typeof Fastify>): AdapterUnderTest => ({
  name,
  async serve(options) {
    const app = create();
    app.route({
      method: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      url: '/api/data',
      onRequest: [createFastifyAuthHook(options)],
      handler: async (request: { auth: AuthContext | null }) => echo(request.auth?.isAuthenticated || request.auth?.isGuest ? request.auth : undefined),
    });
    const auth = createFastifyAuthHook(options);
    const reply = async (request: { auth: AuthContext | null }) => echo(request.auth ?? undefined);
    for (const [name, requirement] of Object.entries(GUARDED)) app.get(`/g/${name}`, { onRequest: [auth, fastifyGuard(requirement)] }, reply);
    app.get('/g/orgs/:orgId', { onRequest: [auth, fastifyGuard(ORGANIZATION_ROUTE)] }, reply);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  },
});

const honoOnWorkerd: AdapterUnderTest = {
  name: 'Hono on workerd',
  serve: () => Promise.reject(new Error('served through serveAll')),
  async serveAll(sets) {
    const worker = await startHonoWorker(new URL('./fixtures/conformance-worker.mjs', import.meta.url).pathname, { OPTIONS: JSON.stringify(sets) });
    let closing: Promise<void> | undefined;
    const close = () => (closing ??= worker.close());
    return Object.fromEntries(Object.keys(sets).map((set) => [set, { url: `${worker.url}/${set}`, close }]));
  },
};

const nextProxy: AdapterUnderTest = {
  name: 'Next proxy (protectRequest)',
  serve: (options) => {
    // what a proxy.ts does: answer a failure, else let the request on to the route (here: the echo)
    const proxy = async (request: NextRequest) => {
      let auth: AuthContext | undefined;
      const path = request.nextUrl.pathname;
      // a proxy has no route parameters: the organization comes from the path by a function
      const orgId = /^\/g\/orgs\/([^/]+)$/.exec(path)?.[1];
      const requirement: Requirement<Request> | undefined = orgId !== undefined ? { organization: () => orgId } : (GUARDED[path.slice(3)] as Requirement<Request> | undefined);
      const denied = await protectRequest(request, options, (context) => {
        auth = context;
        const refused = requirement === undefined ? undefined : guardResponse(request, context, requirement);
        return refused ?? Response.json(echo(context.isAuthenticated || context.isGuest ? context : undefined));
      });
      return denied ?? Response.json(echo(auth));
    };
    return serveOnLoopback(getRequestListener((request) => proxy(toNextRequest(request))));
  },
};

// @hono/node-server hands over its own light Request; Next builds a NextRequest from plain parts
function toNextRequest(request: Request): NextRequest {
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  return new NextRequest(request.url, { method: request.method, headers: request.headers, ...(hasBody ? { body: request.body, duplex: 'half' } : {}) } as ConstructorParameters<typeof NextRequest>[1]);
}

const koaApp: AdapterUnderTest = {
  name: 'Koa 3',
  serve: (options) => {
    const app = new Koa<KoaAuthState>();
    const router = new Router<KoaAuthState>();
    const reply = (ctx: { state: KoaAuthState; body: unknown }) => void (ctx.body = echo(ctx.state.auth.isAuthenticated || ctx.state.auth.isGuest ? ctx.state.auth : undefined));
    router.all('/api/data', createKoaAuthMiddleware(options) as never, reply);
    // the Koa composition the docs show: auth once for a router, a guard per route
    const guarded = new Router<KoaAuthState>({ prefix: '/g' });
    guarded.use(createKoaAuthMiddleware(options) as never);
    for (const [name, requirement] of Object.entries(GUARDED)) guarded.get(`/${name}`, koaGuard(requirement) as KoaAuthMiddleware as never, reply);
    guarded.get('/orgs/:orgId', koaGuard(ORGANIZATION_ROUTE) as never, reply);
    app.use(router.routes()).use(guarded.routes());
    return serveOnLoopback(app.callback());
  },
};

const hapiServer: AdapterUnderTest = {
  name: 'Hapi 21',
  async serve(options) {
    // Hapi parses cookies before auth and answers a malformed Cookie header 400 itself unless told to ignore it
    const server = Hapi.server({ port: 0, host: '127.0.0.1', routes: { state: { failAction: 'ignore' } } });
    await server.register({ plugin: hapiLogtoAuth, options });
    const reply = (request: Hapi.Request) => {
      const auth = request.auth.credentials as unknown as HapiCredentials;
      return echo(auth.isAuthenticated || auth.isGuest ? auth : undefined);
    };
    server.route({ method: '*', path: '/api/data', handler: reply });
    // the Hapi way for scopes (route access.scope, '+' for each required one), guards in pre for the rest
    server.route({ method: 'GET', path: '/g/scopes-all', options: { auth: { access: { scope: ['+read:data', '+admin:all'] } } }, handler: reply });
    server.route({ method: 'GET', path: '/g/scopes-any', options: { auth: { access: { scope: ['admin:all', 'write:data'] } } }, handler: reply });
    for (const name of ['roles', 'actor', 'users', 'clients']) server.route({ method: 'GET', path: `/g/${name}`, options: { pre: [hapiGuard(GUARDED[name]!)] }, handler: reply });
    server.route({ method: 'GET', path: '/g/orgs/{orgId}', options: { pre: [hapiGuard(ORGANIZATION_ROUTE)] }, handler: reply });
    await server.start();
    return { url: server.info.uri, close: () => server.stop({ timeout: 0 }) };
  },
};

// The NestJS app a Nest CLI project would be (spec/e2e/fixtures/nest-app: a global
// guard from LogtoAuthModule.forRootAsync, decorators per route), built with tsc and
// run as its own process, one app per option set
const nestApp = (platform: NestPlatform, major: NestMajor = 12): AdapterUnderTest => ({
  name: `NestJS ${major} on ${platform}`,
  serve: () => Promise.reject(new Error('served through serveAll')),
  async serveAll(sets) {
    const app = await startNestApp(platform, sets, { major });
    return Object.fromEntries(Object.entries(app.urls).map(([set, url]) => [set, { url, close: app.close }]));
  },
});

const elysiaOnBun: AdapterUnderTest = {
  name: 'Elysia on Bun',
  serve: () => Promise.reject(new Error('served through serveAll')),
  async serveAll(sets) {
    const app = await startBunApp(new URL('./fixtures/conformance-elysia.mjs', import.meta.url).pathname, { OPTIONS: JSON.stringify(sets) });
    return Object.fromEntries(Object.entries(app.urls).map(([set, url]) => [set, { url, close: app.close }]));
  },
};

/** Every adapter the table runs through; Express 5 is the reference. */
export const ADAPTERS: AdapterUnderTest[] = [
  expressLike('Express 5', () => express()),
  expressLike('Express 4', () => express4() as unknown as express.Express),
  bareNode,
  nextWithAuth,
  nextProxy,
  honoOnNode,
  honoOnWorkerd,
  fastifyOf('Fastify 5', () => Fastify()),
  fastifyOf('Fastify 4', () => Fastify4() as unknown as ReturnType<typeof Fastify>),
  koaApp,
  hapiServer,
  nestApp('express'),
  nestApp('fastify'),
  nestApp('express', 11),
  nestApp('fastify', 11),
  elysiaOnBun,
];

type OptionSet = 'base' | 'guest' | 'organization' | 'otherAudience' | 'selfSigned' | 'jwksDown' | 'usersOnly' | 'clients' | 'noActor';

interface Case {
  description: string;
  options: OptionSet;
  request: () => Promise<{ method?: string; headers?: Record<string, string> }>;
  status: number;
  /** The JSON body, with the guest id replaced by `<uuid>`. */
  body: unknown;
  headers: Record<string, string | RegExp | null>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KNOWN_GUEST = '6e56d462-8f1b-4c7e-9a3d-2b5c1f0e9a77';

let logto: LogtoIssuer;
let selfSigned: JwksServer;
let expiredToken: string;
const options = {} as Record<OptionSet, VerifyAuthOptions>;

const bearer = async (scope?: string) => ({ headers: { authorization: `Bearer ${await logto.getToken(scope === undefined ? {} : { scope })}` } });

const CASES: Case[] = [
  {
    description: 'a valid token passes with its user',
    options: 'base',
    request: () => bearer(),
    status: 200,
    body: { userId: 'm2m-test-app', isAuthenticated: true, isGuest: false, guestId: null },
    headers: { 'set-cookie': null },
  },
  {
    description: 'no token is a 401 with a bare Bearer challenge',
    options: 'base',
    request: async () => ({}),
    status: 401,
    body: { error: 'TOKEN_MISSING', message: 'no access token in the cookie or the Authorization header' },
    headers: { 'www-authenticate': 'Bearer', 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8' },
  },
  {
    description: 'a malformed token is a 401 invalid_token',
    options: 'base',
    request: async () => ({ headers: { authorization: 'Bearer abc.def' } }),
    status: 401,
    body: { error: 'TOKEN_MALFORMED', message: /./ },
    headers: { 'www-authenticate': /^Bearer error="invalid_token", error_description="[^"]+"$/, 'cache-control': 'no-store' },
  },
  {
    description: 'an expired token is a 401 TOKEN_EXPIRED',
    options: 'selfSigned',
    request: async () => ({ headers: { authorization: `Bearer ${expiredToken}` } }),
    status: 401,
    body: { error: 'TOKEN_EXPIRED', message: /./ },
    headers: { 'www-authenticate': /^Bearer error="invalid_token"/ },
  },
  {
    description: 'a token for another API is a 401 AUDIENCE_INVALID that does not name the configured audience',
    options: 'otherAudience',
    request: () => bearer(),
    status: 401,
    body: { error: 'AUDIENCE_INVALID', message: /^(?!.*other\.example)/ },
    headers: { 'www-authenticate': /^Bearer error="invalid_token"(?!.*other\.example)/ },
  },
  {
    description: 'a token without the required scope is a 403 insufficient_scope naming the scope',
    options: 'base',
    request: () => bearer('write:data'),
    status: 403,
    body: { error: 'SCOPE_MISSING', message: /./ },
    headers: { 'www-authenticate': /^Bearer error="insufficient_scope", error_description="[^"]+", scope="read:data"$/ },
  },
  {
    description: 'a token for another organization is a 403 ORGANIZATION_INVALID',
    options: 'organization',
    request: async () => ({ headers: { authorization: `Bearer ${await logto.getToken({ organizationId: 'org_1' })}` } }),
    status: 403,
    body: { error: 'ORGANIZATION_INVALID', message: /./ },
    headers: { 'www-authenticate': /^Bearer error="insufficient_scope"/ },
  },
  {
    description: 'a JWKS that cannot be fetched is a 503 with Retry-After and no challenge',
    options: 'jwksDown',
    request: () => bearer(),
    status: 503,
    body: { error: 'JWKS_UNAVAILABLE', message: /./ },
    headers: { 'retry-after': /^[1-9]\d*$/, 'www-authenticate': null, 'cache-control': 'no-store' },
  },
  {
    description: 'a new guest gets a guest context and the guest cookie',
    options: 'guest',
    request: async () => ({}),
    status: 200,
    body: { userId: null, isAuthenticated: false, isGuest: true, guestId: '<uuid>' },
    headers: { 'set-cookie': /^guest_logto_authtoken=[0-9a-f-]{36}; Path=\/; HttpOnly; SameSite=Lax$/ },
  },
  {
    description: 'a returning guest keeps its id and gets no cookie',
    options: 'guest',
    request: async () => ({ headers: { cookie: `guest_logto_authtoken=${KNOWN_GUEST}` } }),
    status: 200,
    body: { userId: null, isAuthenticated: false, isGuest: true, guestId: KNOWN_GUEST },
    headers: { 'set-cookie': null },
  },
  {
    description: 'a CORS preflight passes unauthenticated',
    options: 'base',
    request: async () => ({ method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } }),
    status: 200,
    body: { auth: null },
    headers: { 'www-authenticate': null },
  },
  {
    description: 'a cross-site POST with the cookie token is a 403 CSRF_REJECTED',
    options: 'base',
    request: async () => ({ method: 'POST', headers: { cookie: `logto_authtoken=${await logto.getToken()}`, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } }),
    status: 403,
    body: { error: 'CSRF_REJECTED', message: /Sec-Fetch-Site/ },
    headers: { 'www-authenticate': /^Bearer error="insufficient_scope", error_description="[^"]+"$/, 'cache-control': 'no-store' },
  },
  {
    description: 'a same-origin POST with the cookie token passes',
    options: 'base',
    request: async () => ({ method: 'POST', headers: { cookie: `logto_authtoken=${await logto.getToken()}`, 'sec-fetch-site': 'same-origin' } }),
    status: 200,
    body: { userId: 'm2m-test-app', isAuthenticated: true, isGuest: false, guestId: null },
    headers: {},
  },
  {
    description: 'a cross-site POST with a Bearer token is never subject to the check',
    options: 'base',
    request: async () => ({ method: 'POST', headers: { authorization: `Bearer ${await logto.getToken()}`, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } }),
    status: 200,
    body: { userId: 'm2m-test-app', isAuthenticated: true, isGuest: false, guestId: null },
    headers: {},
  },
  {
    description: 'a cross-site POST with the cookie token is a 403 in guest mode too, not a guest',
    options: 'guest',
    request: async () => ({ method: 'POST', headers: { cookie: `logto_authtoken=${await logto.getToken()}`, origin: 'https://evil.example' } }),
    status: 403,
    body: { error: 'CSRF_REJECTED', message: /Origin/ },
    headers: { 'set-cookie': null },
  },
  {
    description: 'a machine token where only users are accepted is a 403 TOKEN_TYPE_NOT_ACCEPTED',
    options: 'usersOnly',
    request: () => bearer(),
    status: 403,
    body: { error: 'TOKEN_TYPE_NOT_ACCEPTED', message: 'this route does not accept machine-to-machine tokens' },
    headers: { 'www-authenticate': 'Bearer error="insufficient_scope", error_description="this route does not accept machine-to-machine tokens"', 'cache-control': 'no-store' },
  },
  {
    description: 'a client outside allowedClients is a 403 CLIENT_NOT_ALLOWED that names none of the allowed clients',
    options: 'clients',
    request: () => bearer(),
    status: 403,
    body: { error: 'CLIENT_NOT_ALLOWED', message: /^(?!.*(mcp\.example|web-app))/ },
    headers: { 'www-authenticate': /^Bearer error="insufficient_scope", error_description="[^"]+"$/, 'cache-control': 'no-store' },
  },
  {
    description: 'a token that names an actor under actorPolicy refuse is a 403 ACTOR_INVALID',
    options: 'noActor',
    request: async () => ({ headers: { authorization: `Bearer ${await logto.getToken({ actor: 'svc_agent' })}` } }),
    status: 403,
    body: { error: 'ACTOR_INVALID', message: /act/ },
    headers: { 'www-authenticate': /^Bearer error="insufficient_scope", error_description="[^"]+"$/, 'cache-control': 'no-store' },
  },
  {
    description: 'a token without an actor passes under actorPolicy refuse',
    options: 'noActor',
    request: () => bearer(),
    status: 200,
    body: { userId: 'm2m-test-app', isAuthenticated: true, isGuest: false, guestId: null },
    headers: {},
  },
  {
    description: 'a bad Cookie header with no token is a 401 TOKEN_MISSING',
    options: 'base',
    request: async () => ({ headers: { cookie: '%%%; ;;=; logto_authtoken; =x; a=%ZZ' } }),
    status: 401,
    body: { error: 'TOKEN_MISSING', message: /./ },
    headers: { 'www-authenticate': 'Bearer' },
  },
];

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string | null>;
}

const COMPARED_HEADERS = ['www-authenticate', 'cache-control', 'retry-after', 'set-cookie'];

async function ask(server: LoopbackServer, request: { method?: string; headers?: Record<string, string> }): Promise<Answer> {
  const response = await fetch(`${server.url}/api/data`, { method: request.method ?? 'GET', headers: request.headers ?? {} });
  const text = await response.text();
  assert.ok(text !== '', `${server.url}: empty body with status ${response.status}`);
  const headers: Record<string, string | null> = {};
  for (const name of COMPARED_HEADERS) headers[name] = response.headers.get(name);
  if (response.status >= 400) headers['content-type'] = response.headers.get('content-type');
  return { status: response.status, body: normalise(JSON.parse(text)), headers };
}

// a new guest id is random: compare its shape, not its value
function normalise(body: unknown): unknown {
  if (body && typeof body === 'object' && 'guestId' in body && typeof body.guestId === 'string' && body.guestId !== KNOWN_GUEST && UUID.test(body.guestId)) return { ...body, guestId: '<uuid>' };
  return body;
}

function assertMatches(actual: unknown, expected: unknown, where: string): void {
  if (expected instanceof RegExp) return assert.match(String(actual), expected, where);
  if (expected && typeof expected === 'object' && !Array.isArray(expected)) {
    assert.ok(actual && typeof actual === 'object', `${where}: not an object`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${where}: keys`);
    for (const [key, value] of Object.entries(expected)) assertMatches((actual as Record<string, unknown>)[key], value, `${where}.${key}`);
    return;
  }
  assert.deepEqual(actual, expected, where);
}

interface GuardCase {
  description: string;
  path: string;
  token: () => Promise<string | undefined>;
  status: number;
  body: unknown;
  challenge?: RegExp;
}

const GUARD_CASES: GuardCase[] = [
  { description: 'a guard requiring every scope refuses a token missing one (403 SCOPE_MISSING)', path: '/g/scopes-all', token: () => logto.getToken(), status: 403, body: { error: 'SCOPE_MISSING', message: /./ }, challenge: /^Bearer error="insufficient_scope", error_description="[^"]+", scope="[^"]*admin:all[^"]*"$/ },
  { description: 'a guard requiring any scope passes a token with one of them', path: '/g/scopes-any', token: () => logto.getToken(), status: 200, body: { userId: 'm2m-test-app', isAuthenticated: true, isGuest: false, guestId: null } },
  { description: 'an organization taken from the route passes a token for it', path: '/g/orgs/org_1', token: () => logto.getToken({ organizationId: 'org_1' }), status: 200, body: { userId: 'm2m-test-app', isAuthenticated: true, isGuest: false, guestId: null } },
  { description: 'an organization taken from the route refuses a token for another one (403 ORGANIZATION_INVALID)', path: '/g/orgs/org_2', token: () => logto.getToken({ organizationId: 'org_1' }), status: 403, body: { error: 'ORGANIZATION_INVALID', message: /^(?!.*org_2)/ }, challenge: /^Bearer error="insufficient_scope"(?!.*org_2)/ },
  { description: 'a claim predicate passes a token whose roles include admin', path: '/g/roles', token: () => logto.getToken({ roles: ['admin', 'editor'] }), status: 200, body: { userId: 'm2m-test-app', isAuthenticated: true, isGuest: false, guestId: null } },
  { description: 'a claim predicate refuses a token without the role (403 CLAIM_INVALID)', path: '/g/roles', token: () => logto.getToken({ roles: ['editor'] }), status: 403, body: { error: 'CLAIM_INVALID', message: /./ }, challenge: /^Bearer error="insufficient_scope"/ },
  { description: 'an actor requirement passes a token-exchange token', path: '/g/actor', token: () => logto.getToken({ actor: 'svc_agent' }), status: 200, body: { userId: 'm2m-test-app', isAuthenticated: true, isGuest: false, guestId: null } },
  { description: 'an actor requirement refuses a token without act (403 ACTOR_INVALID)', path: '/g/actor', token: () => logto.getToken(), status: 403, body: { error: 'ACTOR_INVALID', message: /./ }, challenge: /^Bearer error="insufficient_scope"/ },
  { description: 'a users-only guard refuses a machine token (403 TOKEN_TYPE_NOT_ACCEPTED)', path: '/g/users', token: () => logto.getToken(), status: 403, body: { error: 'TOKEN_TYPE_NOT_ACCEPTED', message: 'this route does not accept machine-to-machine tokens' }, challenge: /^Bearer error="insufficient_scope"/ },
  { description: 'a clients guard refuses another client (403 CLIENT_NOT_ALLOWED) without naming the allowed ones', path: '/g/clients', token: () => logto.getToken(), status: 403, body: { error: 'CLIENT_NOT_ALLOWED', message: /^(?!.*(mcp\.example|web-app))/ }, challenge: /^Bearer error="insufficient_scope"(?!.*(mcp\.example|web-app))/ },
  { description: 'a guarded route without a token is the auth layer\'s 401 first', path: '/g/scopes-any', token: async () => undefined, status: 401, body: { error: 'TOKEN_MISSING', message: /./ }, challenge: /^Bearer$/ },
];

describe('every adapter answers the same table the same way', () => {
  const servers = new Map<string, LoopbackServer>();

  before(async () => {
    clearJwksCache();
    logto = await startLogtoIssuer();
    const key = await makeKey('ES384', 'conformance');
    selfSigned = await startJwksServer([key.publicJwk]);
    expiredToken = await mint(key, { iss: selfSigned.issuer, aud: logto.audience, expiresIn: -60 });
    const base = { logtoUrl: logto.logtoUrl, audience: logto.audience, requiredScope: 'read:data' };
    options.base = base;
    options.guest = { ...base, allowGuest: true };
    options.organization = { ...base, requiredOrganization: 'org_2' };
    options.otherAudience = { ...base, audience: 'https://other.example/api' };
    options.selfSigned = { logtoUrl: selfSigned.logtoUrl, audience: logto.audience };
    options.jwksDown = { ...base, jwksUri: 'http://127.0.0.1:9/oidc/jwks' };
    options.usersOnly = { ...base, acceptsToken: 'user' };
    options.clients = { ...base, allowedClients: ['https://mcp.example/client-metadata.json', 'web-app'] };
    options.noActor = { ...base, actorPolicy: 'refuse' };
    for (const adapter of ADAPTERS) {
      // each adapter gets its own dead JWKS URL, so one adapter's backoff is not another's
      const own = Object.fromEntries(
        (Object.keys(options) as OptionSet[]).map((set) => [set, set === 'jwksDown' ? { ...options[set], jwksUri: `http://127.0.0.1:9/oidc/jwks?${encodeURIComponent(adapter.name)}` } : options[set]]),
      ) as Record<OptionSet, VerifyAuthOptions>;
      if (adapter.serveAll) {
        for (const [set, server] of Object.entries(await adapter.serveAll(own))) servers.set(`${adapter.name}|${set}`, server);
      } else {
        for (const set of Object.keys(own) as OptionSet[]) servers.set(`${adapter.name}|${set}`, await adapter.serve(own[set]));
      }
    }
  });

  after(async () => {
    await Promise.all([...servers.values()].map((server) => server.close()));
    await selfSigned?.close();
    await logto?.close();
  });

  for (const vector of CASES) {
    test(vector.description, async () => {
      const request = await vector.request();
      const answers = new Map<string, Answer>();
      for (const adapter of ADAPTERS) {
        const answer = await ask(servers.get(`${adapter.name}|${vector.options}`)!, request).catch((error: Error) => {
          throw new Error(`${adapter.name}: ${error.message}`);
        });
        assert.equal(answer.status, vector.status, `${adapter.name}: status`);
        assertMatches(answer.body, vector.body, `${adapter.name}: body`);
        for (const [name, expected] of Object.entries(vector.headers)) {
          if (expected === null) assert.equal(answer.headers[name], null, `${adapter.name}: ${name} must be absent`);
          else assertMatches(answer.headers[name], expected, `${adapter.name}: ${name}`);
        }
        answers.set(adapter.name, answer);
      }
      // identical to the reference where the answer is ours
      const reference = answers.get(ADAPTERS[0]!.name)!;
      for (const [name, answer] of answers) {
        if (vector.status >= 400) {
          assert.deepEqual(answer.body, reference.body, `${name}: body differs from ${ADAPTERS[0]!.name}`);
          const { 'retry-after': _a, ...ours } = answer.headers;
          const { 'retry-after': _b, ...theirs } = reference.headers;
          assert.deepEqual(ours, theirs, `${name}: headers differ from ${ADAPTERS[0]!.name}`);
        } else {
          assert.deepEqual(answer.body, reference.body, `${name}: body differs from ${ADAPTERS[0]!.name}`);
        }
      }
    });
  }

  for (const vector of GUARD_CASES) {
    test(`guards: ${vector.description}`, async () => {
      const token = await vector.token();
      const answers = new Map<string, Answer>();
      for (const adapter of ADAPTERS.filter((candidate) => candidate.routes !== false)) {
        const server = servers.get(`${adapter.name}|base`)!;
        const response = await fetch(`${server.url}${vector.path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
        const text = await response.text();
        const answer: Answer = { status: response.status, body: JSON.parse(text), headers: { 'www-authenticate': response.headers.get('www-authenticate') } };
        assert.equal(answer.status, vector.status, `${adapter.name}: status (${text})`);
        assertMatches(answer.body, vector.body, `${adapter.name}: body`);
        if (vector.challenge) assertMatches(answer.headers['www-authenticate'], vector.challenge, `${adapter.name}: www-authenticate`);
        answers.set(adapter.name, answer);
      }
      const reference = answers.get(ADAPTERS[0]!.name)!;
      for (const [name, answer] of answers) assert.deepEqual(answer, reference, `${name} differs from ${ADAPTERS[0]!.name}`);
    });
  }
});
