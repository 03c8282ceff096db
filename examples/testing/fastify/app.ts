// A Fastify API whose auth options come from outside (the tenant's, or the test issuer's).
import Fastify from 'fastify';
import type { VerifyAuthOptions } from 'logto-authkit';
import { createFastifyAuthHook, requireScopes } from 'logto-authkit/fastify';

export function createApp(auth: VerifyAuthOptions) {
  const app = Fastify();
  app.addHook('onRequest', createFastifyAuthHook(auth)); // guard
  app.get(
    '/api/data',
    { preHandler: requireScopes('read:data') }, // guard
    async (request) => ({ userId: (request as { auth?: { userId: string | null } }).auth?.userId ?? null }),
  );
  return app;
}
