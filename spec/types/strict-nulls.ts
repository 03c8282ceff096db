// Type test fixture, strict only (spec/context-types.spec.ts): where no guest can
// arrive, userId and payload are never null, so a strictNullChecks user writes
// no `!`; where one can, the types say so.
import { Hono } from 'hono';
import { verifyLogtoToken, verifyAuth, type AuthContext } from 'logto-authkit';
import { createHonoAuthMiddleware, type AuthenticatedEnv, type AuthEnv } from 'logto-authkit/hono';
import { requireScopes, withAuth, verifyNextAuth } from 'logto-authkit/next';

const options = { logtoUrl: 'https://tenant.logto.app', audience: 'https://api.example.com' };

export async function direct(token: string): Promise<string> {
  const auth = await verifyLogtoToken(token, options);
  const issuer: string | undefined = auth.payload.iss;
  void issuer;
  const either = await verifyAuth(token, options);
  // @ts-expect-error verifyAuth may hand back a guest, whose payload is null
  void either.payload.iss;
  // @ts-expect-error nor has a guest a userId
  void either.userId.length;
  return auth.userId.toUpperCase();
}

export function broad(auth: AuthContext): number {
  // @ts-expect-error the shared AuthContext stays nullable (a guest, a preflight)
  return auth.userId.length;
}

export const GET = withAuth(async (_request, auth) => Response.json({ sub: auth.userId.toUpperCase(), iss: auth.payload.iss }), options);
export const POST = withAuth(
  // @ts-expect-error in guest mode the handler may get a guest: its payload is null
  async (_request, auth) => Response.json(auth.payload.iss),
  { ...options, allowGuest: true },
);
// behind a guard a guest is answered 401, so the handler gets the user even in guest mode
export const PUT = withAuth(requireScopes('admin')(async (_request, auth) => Response.json(auth.payload.iss)), { ...options, allowGuest: true });

export async function nextValue(request: Request): Promise<string> {
  const result = await verifyNextAuth(request, options);
  if (!result.success) return result.code;
  // @ts-expect-error a success may be a guest
  return result.auth.userId.toUpperCase();
}

const users = new Hono<AuthenticatedEnv>();
users.use('*', createHonoAuthMiddleware(options));
users.get('/me', (c) => c.json({ sub: c.var.auth.userId.toUpperCase(), exp: c.var.auth.payload.exp }));

const anyone = new Hono<AuthEnv>();
anyone.use('*', createHonoAuthMiddleware({ ...options, allowGuest: true }));
// @ts-expect-error with guests the Env stays nullable
anyone.get('/me', (c) => c.json({ sub: c.var.auth.userId.toUpperCase() }));
