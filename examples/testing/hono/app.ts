// A Hono API whose auth options come from outside (the tenant's, or the test issuer's).
import { Hono } from 'hono';
import type { VerifyAuthOptions } from 'logto-authkit';
import { createHonoAuthMiddleware, requireScopes, type AuthEnv } from 'logto-authkit/hono';

export function createApp(auth: VerifyAuthOptions) {
  const app = new Hono<AuthEnv>();
  app.use('/api/*', createHonoAuthMiddleware(auth)); // guard
  app.get(
    '/api/data',
    requireScopes('read:data'), // guard
    (c) => c.json({ userId: c.get('auth')?.userId ?? null }),
  );
  return app;
}
