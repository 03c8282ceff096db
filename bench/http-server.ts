// The Express app the Express HTTP bench drives (forked by bench/http.ts): one
// route per variant and algorithm, all answering the same small JSON.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import { createExpressAuthMiddleware } from '../dist/adapters/express.js';
import { AUDIENCE, BENCH_ALGORITHMS } from './fixtures.ts';
import { serveToParent } from './serve-to-parent.ts';

const logtoUrl = process.env.BENCH_LOGTO_URL!;
const app = express();
const answer = (req: express.Request, res: express.Response) => {
  res.json({ ok: true, sub: (req as { auth?: { userId?: string | null; payload?: { sub?: string } } }).auth?.userId ?? null });
};
const ours = createExpressAuthMiddleware({ logtoUrl, audience: AUDIENCE });
// a middleware that does nothing but call next() after a promise settles:
// Express's own price for any middleware that awaits (ours calls next() at
// once on a cache hit, and after the verification's promise otherwise)
const noop = (_req: express.Request, _res: express.Response, next: express.NextFunction) => {
  void Promise.resolve().then(() => next());
};
for (const alg of BENCH_ALGORITHMS) {
  app.get(`/none/${alg}`, answer);
  app.get(`/noop/${alg}`, noop, answer);
  // issuer + jwksUri: no discovery request, the same loopback JWKS
  app.get(`/auth0/${alg}`, auth({ issuer: `${logtoUrl}/oidc`, jwksUri: `${logtoUrl}/oidc/jwks`, audience: AUDIENCE, tokenSigningAlg: alg }), answer);
  app.get(`/ours/${alg}`, ours as express.RequestHandler, answer);
}
const server = app.listen(0, '127.0.0.1', () =>
  serveToParent((server.address() as AddressInfo).port, () => {
    server.closeAllConnections();
    server.close();
  }),
);
