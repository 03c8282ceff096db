// Type test fixture (spec/context-types.spec.ts compiles it with strict true and
// false): custom claims declared once flow to every place a user reads them,
// and the derived context fields have their documented types.
import express from 'express';
import Fastify, { type FastifyRequest } from 'fastify';
import { Hono } from 'hono';
import type { NextRequest } from 'next/server';
import { verifyLogtoToken, verifyAuth, type AuthenticatedContext, type Authenticated, type Actor } from 'logto-authkit';
import { createExpressAuthMiddleware, requireUser } from 'logto-authkit/express';
import { createFastifyAuthHook } from 'logto-authkit/fastify';
import { createHonoAuthMiddleware, requireClients, type AuthenticatedEnv } from 'logto-authkit/hono';
import { requireScopes, verifyNextAuth, withAuth } from 'logto-authkit/next';

interface MyClaims {
  roles: string[];
  tier: 'free' | 'pro';
}

const options = { logtoUrl: 'https://tenant.logto.app', audience: 'https://api.example.com' };

export async function direct(token: string): Promise<void> {
  const auth = await verifyLogtoToken<MyClaims>(token, options);
  const roles: string[] = auth.payload.roles;
  const tier: 'free' | 'pro' = auth.payload.tier;
  const kind: 'user' | 'machine' = auth.tokenType;
  const scopes: readonly string[] = auth.scopes;
  const audience: readonly string[] = auth.audience;
  const clientId: string | undefined = auth.clientId;
  const expiresAt: number = auth.expiresAt;
  const actors: readonly Actor[] = auth.actors;
  const isAuthenticated: true = auth.isAuthenticated;
  // @ts-expect-error roles is a list of strings
  const wrong: number = auth.payload.roles;
  // @ts-expect-error a claim the app did not declare is unknown
  const undeclared: string = auth.payload.nickname;
  // @ts-expect-error the scopes are read-only: the context may be shared by the requests a cache hit answers
  auth.scopes.push('admin');
  void [roles, tier, kind, scopes, audience, clientId, expiresAt, actors, isAuthenticated, wrong, undeclared];

  const either = await verifyAuth<MyClaims>(token, options);
  if (either.isAuthenticated) {
    const narrowed: string[] = either.payload.roles;
    void narrowed;
  } else {
    const guestId: string = either.guestId;
    void guestId;
  }
}

// Next: the claims come from withAuth's type argument, or from the handler's annotation
export const GET = withAuth<unknown, NextRequest, MyClaims>(async (request, auth) => Response.json({ roles: auth.payload.roles, path: request.nextUrl.pathname }), options);
export const POST = withAuth(async (_request: NextRequest, auth: AuthenticatedContext<MyClaims>) => Response.json(auth.payload.tier), options);
export const PUT = withAuth(requireScopes('admin')(async (_request: Request, auth: AuthenticatedContext<MyClaims>) => Response.json(auth.payload.roles)), { ...options, allowGuest: true });
export const DELETE = withAuth(
  async (_request: Request, auth) => {
    if (auth.isGuest) return Response.json({ guest: auth.guestId });
    return Response.json({ user: auth.userId });
  },
  { ...options, allowGuest: true },
);
export async function nextValue(request: Request): Promise<string[] | undefined> {
  const result = await verifyNextAuth<MyClaims>(request, options);
  if (!result.success || !result.auth.isAuthenticated) return undefined;
  return result.auth.payload.roles;
}

// Hono: the claims come from the app's Env
const hono = new Hono<AuthenticatedEnv<MyClaims>>();
hono.use('/api/*', createHonoAuthMiddleware(options));
hono.get('/api/me', requireClients('web-app'), (c) => c.json({ roles: c.var.auth.payload.roles, sub: c.get('auth').userId.toUpperCase() }));
// @ts-expect-error the tier is a string, never a number
hono.get('/api/tier', (c) => c.json({ tier: c.var.auth.payload.tier satisfies number }));

// Express and Fastify: the request type says what the middleware set
const app = express();
app.use(createExpressAuthMiddleware(options) as express.RequestHandler);
app.get('/me', requireUser() as express.RequestHandler, (req, res) => {
  const { auth } = req as express.Request & Authenticated<MyClaims>;
  res.json({ roles: auth.payload.roles, sub: auth.userId.toUpperCase() });
});

const fastify = Fastify();
fastify.get('/me', { onRequest: [createFastifyAuthHook(options)] }, async (request) => {
  const { auth } = request as FastifyRequest & Authenticated<MyClaims>;
  return { roles: auth.payload.roles, tier: auth.payload.tier };
});
