// The Hono app the Hono HTTP bench drives (forked by bench/hono.ts), on
// @hono/node-server: one route per variant and algorithm, all answering the same
// small JSON.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { jwk } from 'hono/jwk';
import { createHonoAuthMiddleware, type AuthEnv } from '../dist/adapters/hono.js';
import { AUDIENCE } from './fixtures.ts';
import { serveToParent } from './serve-to-parent.ts';

const logtoUrl = process.env.BENCH_LOGTO_URL!;
// one route per variant and algorithm, as in the Express app (bench/http.ts sets the list)
const algorithms = process.env.BENCH_HTTP_ALGS!.split(',') as ('ES384' | 'RS256')[];
const app = new Hono<AuthEnv>();
const answer = (c: Context) => c.json({ ok: true, sub: (c.var as { auth?: { userId: string | null } }).auth?.userId ?? (c.var as { jwtPayload?: { sub?: string } }).jwtPayload?.sub ?? null });

for (const alg of algorithms) app.get(`/none/${alg}`, answer);
// an async middleware that does nothing: Hono's own price for any middleware
// (a route with one handler skips compose() and answers synchronously)
const noop = async (_c: Context, next: () => Promise<void>) => {
  await next();
};
for (const alg of algorithms) app.get(`/noop/${alg}`, noop, answer);
// a middleware that only sets the variable ours sets: Hono's price for c.set
// and for the handler's c.var (a fresh object from Hono's Map on every read)
const fixedAuth = { isAuthenticated: true, userId: 'bench-user' };
const setsVar = async (c: Context<AuthEnv>, next: () => Promise<void>) => {
  c.set('auth', fixedAuth as never);
  await next();
};
for (const alg of algorithms) app.get(`/sets-var/${alg}`, setsVar, answer);
const ours = createHonoAuthMiddleware({ logtoUrl, audience: AUDIENCE });
for (const alg of algorithms) app.get(`/ours/${alg}`, ours, answer);
// What hono/jwk (4.13) needs to accept a Logto access token:
// - verification.typ 'at+jwt': by default it accepts only a missing typ or "JWT",
//   and Logto signs access tokens with typ "at+jwt" (RFC 9068 §2.1);
// - alg: an explicit allow-list (Logto signs with ES384 by default; one route per alg here);
// - jwks_uri: Logto publishes its keys at <logtoUrl>/oidc/jwks (no discovery);
// - verification.iss and .aud: otherwise neither claim is checked at all.
// It fetches the JWKS on every request (no cache), so each request here also
// costs a loopback GET to the bench's JWKS server.
const verification = { typ: 'at+jwt', iss: `${logtoUrl}/oidc`, aud: AUDIENCE };
for (const alg of algorithms) app.get(`/hono-jwk/${alg}`, jwk({ jwks_uri: `${logtoUrl}/oidc/jwks`, alg: [alg], verification }), answer);
// the same with the keys fetched once at start-up and passed as `keys`: its
// verification cost alone, as if it cached (a key rotation then needs a restart)
const { keys } = (await (await fetch(`${logtoUrl}/oidc/jwks`)).json()) as { keys: Parameters<typeof jwk>[0]['keys'] & object[] };
for (const alg of algorithms) app.get(`/hono-jwk-keys/${alg}`, jwk({ keys, alg: [alg], verification }), answer);

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
  serveToParent(info.port, () => {
    (server as unknown as { closeAllConnections(): void }).closeAllConnections();
    server.close();
  }),
);
