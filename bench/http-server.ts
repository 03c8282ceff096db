// The Express app the Express HTTP bench drives (forked by bench/http.ts): one
// route per variant and algorithm, all answering the same small JSON.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import { createExpressAuthMiddleware } from '../dist/adapters/express.js';
import { AUDIENCE, BENCH_ALGORITHMS } from './fixtures.ts';

const logtoUrl = process.env.BENCH_LOGTO_URL!;
const app = express();
const answer = (req: express.Request, res: express.Response) => {
  res.json({ ok: true, sub: (req as { auth?: { userId?: string | null; payload?: { sub?: string } } }).auth?.userId ?? null });
};
const ours = createExpressAuthMiddleware({ logtoUrl, audience: AUDIENCE });
// a middleware that does nothing but call next() after a promise settles, as
// ours does after a cache hit: Express's own price for such a middleware
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
const server = app.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
// the parent asks for the server's CPU time around each slice: µs of CPU per
// request is what the middleware costs the server, whatever the client's pace
process.on('message', (message) => {
  if (message === 'cpu') process.send!({ cpu: process.cpuUsage() });
});
// the parent's exit closes the IPC channel: stop with it
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close();
  process.exit(0);
});
