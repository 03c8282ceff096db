// A CORS preflight never runs a guarded handler unauthenticated (issue 19).
// The auth middleware lets a preflight through (contract: it carries no
// credentials), so a route mounted for every method, `all(requireScopes('admin'),
// handler)`, used to run its handler for anyone who sent OPTIONS with
// Access-Control-Request-Method. Now the guard answers the preflight itself:
// 204, no body, the handler not run, and the headers a CORS layer set before it
// kept. Express 5 and 4, Hono, Fastify 5 and 4, and Next's withAuth, each over
// real HTTP with real tokens from the Logto-shaped issuer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import express5 from 'express';
import express4 from 'express4';
import Fastify, { type FastifyInstance } from 'fastify';
import fastify4 from 'fastify4';
import { Hono } from 'hono';
import Hapi from '@hapi/hapi';
import Router from '@koa/router';
import Koa from 'koa';
import * as hapiAuth from '../../lib/adapters/hapi.ts';
import * as koaAuth from '../../lib/adapters/koa.ts';
import * as expressAuth from '../../lib/adapters/express.ts';
import * as fastifyAuth from '../../lib/adapters/fastify.ts';
import * as honoAuth from '../../lib/adapters/hono.ts';
import type { AuthEnv } from '../../lib/adapters/hono.ts';
import * as nextAuth from '../../lib/adapters/next.ts';
import { serveHonoOnLoopback } from '../helpers/hono.ts';
import { startLogtoIssuer, type LogtoIssuer } from '../helpers/logto-issuer.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';

const APP_ORIGIN = 'https://app.example.com';

let logto: LogtoIssuer;
let options: { logtoUrl: string; audience: string };

before(async () => {
  logto = await startLogtoIssuer({ scopes: ['read:data', 'admin'] });
  options = { logtoUrl: logto.logtoUrl, audience: logto.audience };
});
after(() => logto.close());

const preflight = (url: string) => fetch(url, { method: 'OPTIONS', headers: { origin: APP_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });

interface Served {
  url: string;
  /** How many times the guarded handler ran. */
  runs(): number;
  close(): Promise<void>;
}

// What each framework's server must show, the same table for all of them.
function behavesAlike(name: string, start: () => Promise<Served>, corsHeaderKept: boolean) {
  describe(name, () => {
    let served: Served;
    before(async () => (served = await start()));
    after(() => served.close());

    test('answers a preflight to a guarded route with 204 and no body, and never runs the handler', async () => {
      const before = served.runs();
      const response = await preflight(`${served.url}/api/admin`);
      assert.equal(response.status, 204);
      assert.equal(await response.text(), '');
      assert.equal(response.headers.get('www-authenticate'), null);
      if (corsHeaderKept) assert.equal(response.headers.get('access-control-allow-origin'), APP_ORIGIN);
      assert.equal(served.runs(), before);
    });

    test('still refuses an OPTIONS that is no preflight without a token (401), and runs the handler for an admin token', async () => {
      const before = served.runs();
      const plain = await fetch(`${served.url}/api/admin`, { method: 'OPTIONS' });
      assert.equal(plain.status, 401);
      assert.equal((await plain.json()).error, 'TOKEN_MISSING');
      const reader = await fetch(`${served.url}/api/admin`, { method: 'POST', headers: { authorization: `Bearer ${await logto.getToken({ scope: 'read:data' })}` } });
      assert.equal(reader.status, 403);
      assert.equal(served.runs(), before);
      const admin = await fetch(`${served.url}/api/admin`, { method: 'POST', headers: { authorization: `Bearer ${await logto.getToken({ scope: 'admin' })}` } });
      assert.equal(admin.status, 200);
      assert.deepEqual(await admin.json(), { ran: true, userId: logto.clientId });
      assert.equal(served.runs(), before + 1);
    });
  });
}

for (const [name, express] of [['Express 5', express5], ['Express 4', express4 as unknown as typeof express5]] as const) {
  behavesAlike(`${name}: app.all('/api/admin', requireScopes('admin'), handler)`, async () => {
    let runs = 0;
    const app = express();
    // a CORS layer that lets the preflight go on (as cors({ preflightContinue: true }) does)
    app.use((req, res, next) => {
      if (req.headers.origin === APP_ORIGIN) res.setHeader('access-control-allow-origin', APP_ORIGIN);
      next();
    });
    app.use('/api', expressAuth.createExpressAuthMiddleware(options));
    app.all('/api/admin', expressAuth.requireScopes('admin'), (req, res) => {
      runs++;
      res.json({ ran: true, userId: (req as expressAuth.WithAuth).auth?.userId });
    });
    const server: LoopbackServer = await serveOnLoopback(app);
    return { url: server.url, runs: () => runs, close: () => server.close() };
  }, true);
}

behavesAlike("Hono: app.all('/api/admin', requireScopes('admin'), handler)", async () => {
  let runs = 0;
  const app = new Hono<AuthEnv>();
  app.use('/api/*', async (c, next) => {
    await next();
    if (c.req.header('origin') === APP_ORIGIN) c.header('access-control-allow-origin', APP_ORIGIN);
  });
  app.use('/api/*', honoAuth.createHonoAuthMiddleware(options));
  app.all('/api/admin', honoAuth.requireScopes('admin'), (c) => {
    runs++;
    return c.json({ ran: true, userId: c.get('auth').userId });
  });
  const server = await serveHonoOnLoopback(app, { overrideGlobalObjects: false });
  return { url: server.url, runs: () => runs, close: () => server.close() };
}, true);

for (const [name, create] of [['Fastify 5', () => Fastify()], ['Fastify 4', () => fastify4() as unknown as FastifyInstance]] as const) {
  behavesAlike(`${name}: api.all('/api/admin', { preHandler: requireScopes('admin') }, handler)`, async () => {
    let runs = 0;
    const app = create();
    app.addHook('onRequest', async (request, reply) => {
      if (request.headers.origin === APP_ORIGIN) reply.header('access-control-allow-origin', APP_ORIGIN);
    });
    await app.register(async (api) => {
      await api.register(fastifyAuth.fastifyLogtoAuth, options);
      api.all('/api/admin', { preHandler: fastifyAuth.requireScopes('admin') }, async (request) => {
        runs++;
        return { ran: true, userId: request.auth?.userId };
      });
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, runs: () => runs, close: () => app.close() };
  }, true);
}

behavesAlike('Next: withAuth(requireScopes(\'admin\')(handler)) for every method', async () => {
  let runs = 0;
  const route = nextAuth.withAuth(
    nextAuth.requireScopes('admin')(async (_request, auth) => {
      runs++;
      return Response.json({ ran: true, userId: auth.userId });
    }),
    options,
  );
  // the route handler as Next calls it, behind a plain HTTP server
  const server = await serveHonoOnLoopback({ fetch: (request: Request) => route(request, { params: Promise.resolve({}) }) }, { overrideGlobalObjects: false });
  return { url: server.url, runs: () => runs, close: () => server.close() };
}, false);

behavesAlike("Koa: router.all('/api/admin', requireScopes('admin'), handler)", async () => {
  let runs = 0;
  const app = new Koa<koaAuth.AuthState>();
  app.use(async (ctx, next) => {
    if (ctx.get('origin') === APP_ORIGIN) ctx.set('access-control-allow-origin', APP_ORIGIN);
    await next();
  });
  const router = new Router<koaAuth.AuthState>();
  router.all('/api/admin', koaAuth.createKoaAuthMiddleware(options) as never, koaAuth.requireScopes('admin') as never, (ctx) => {
    runs++;
    ctx.body = { ran: true, userId: ctx.state.auth?.userId };
  });
  app.use(router.routes());
  const server: LoopbackServer = await serveOnLoopback(app.callback());
  return { url: server.url, runs: () => runs, close: () => server.close() };
}, true);

behavesAlike("Hapi: { method: '*', options: { pre: [requireScopes('admin')] } }", async () => {
  let runs = 0;
  const server = Hapi.server({ port: 0, host: '127.0.0.1' });
  await server.register({ plugin: hapiAuth.hapiLogtoAuth, options });
  server.ext('onPreResponse', (request, h) => {
    const response = request.response as { header?: (name: string, value: string) => unknown };
    if (request.headers.origin === APP_ORIGIN && typeof response.header === 'function') response.header('access-control-allow-origin', APP_ORIGIN);
    return h.continue;
  });
  server.route({ method: '*', path: '/api/admin', options: { pre: [{ method: hapiAuth.requireScopes('admin') as never }] }, handler: (request) => {
    runs++;
    return { ran: true, userId: (request.auth.credentials as unknown as hapiAuth.HapiCredentials).userId };
  } });
  await server.start();
  return { url: server.info.uri, runs: () => runs, close: () => server.stop() };
}, true);

describe("Next: guardResponse in a proxy", () => {
  test('gives a preflight a 204, so the route behind the proxy is not run for it', async () => {
    const auth = { userId: null, isAuthenticated: false, payload: null };
    const request = new Request('http://api.test/api/admin', { method: 'OPTIONS', headers: { origin: APP_ORIGIN, 'access-control-request-method': 'POST' } });
    const response = nextAuth.guardResponse(request, auth, { scopes: ['admin'] });
    assert.equal(response?.status, 204);
    assert.equal(await response?.text(), '');
  });
});
