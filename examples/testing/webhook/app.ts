// Logto's webhooks revoke tokens: the webhook route feeds a revocation list
// that the API's middleware checks.
import express, { type Request } from 'express';
import { createNodeLogtoWebhookHandler, createRevocationList, memoryStore, type AuthContext, type VerifyAuthOptions } from 'logto-authkit';
import { createExpressAuthMiddleware } from 'logto-authkit/express';

export function createApp(options: { auth: VerifyAuthOptions; signingKey: string }) {
  // syncIntervalMs 0: one process, nothing to poll (and no timer left running in tests)
  const revocation = createRevocationList({ store: memoryStore(), syncIntervalMs: 0 });
  const app = express();
  // before any body parser: the signature covers the raw bytes
  app.post('/webhooks/logto', createNodeLogtoWebhookHandler({ signingKey: options.signingKey, revocation }));
  const auth = createExpressAuthMiddleware({
    ...options.auth,
    revocation, // guard
  });
  app.get('/api/me', auth, (req: Request & { auth?: AuthContext }, res) => {
    res.json({ userId: req.auth?.userId ?? null });
  });
  return app;
}
