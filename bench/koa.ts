// Koa 3 end to end with autocannon on loopback: the same route without auth
// (the ceiling), our middleware, and what Koa users verify a Logto token with
// today, koa-jwt with jwks-rsa's koaJwtSecret, configured to accept it;
// ES384 and RS256, measured as every HTTP bench is (bench/http.ts:
// interleaved slices, server CPU per request). The server is this file run
// with `serve`, in a child process. `node --import tsx bench/koa.ts` runs this case alone.
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { AUDIENCE, setUp, type Fixtures } from './fixtures.ts';
import { serveToParent } from './serve-to-parent.ts';
import { childCpu, forkServer, HTTP_ALGORITHMS, httpTable, measureHttp, version } from './http.ts';

export const KOA_VARIANTS = ['no auth (ceiling)', 'koa-jwt + jwks-rsa', 'ours'] as const;
type KoaVariant = (typeof KOA_VARIANTS)[number];
const ROUTES: Record<KoaVariant, string> = { 'no auth (ceiling)': 'none', 'koa-jwt + jwks-rsa': 'koa-jwt', ours: 'ours' };

/** Runs the Koa case (this file with `serve`) and returns its markdown table. */
export async function runKoaHttp(fx: Fixtures): Promise<string[]> {
  const { child, port } = await forkServer(new URL(import.meta.url), fx, ['serve']);
  try {
    const results = await measureHttp(fx, {
      name: 'Koa',
      variants: KOA_VARIANTS,
      url: (variant, alg) => `http://127.0.0.1:${port}/${ROUTES[variant]}/${alg}`,
      cpu: () => childCpu(child),
    });
    return httpTable(`Koa ${version('koa')} with @koa/router ${version('@koa/router')} (koa-jwt ${version('koa-jwt')}, jwks-rsa ${version('jwks-rsa')}), repeat workload.`, results, KOA_VARIANTS, 'no auth (ceiling)');
  } finally {
    child.kill();
  }
}

/** The server: one route per variant and algorithm, all answering the same small JSON. */
async function serve(): Promise<void> {
  const { default: Koa } = await import('koa');
  const { default: Router } = await import('@koa/router');
  const { default: koaJwt } = await import('koa-jwt');
  const jwksRsa = await import('jwks-rsa');
  const { createKoaAuthMiddleware } = await import('../dist/adapters/koa.js');
  type Ctx = { state: { auth?: { userId?: string }; user?: { sub?: string } }; body: unknown };

  const logtoUrl = process.env.BENCH_LOGTO_URL!;
  const issuer = `${logtoUrl}/oidc`;
  const app = new Koa();
  const router = new Router();
  const answer = (ctx: Ctx) => void (ctx.body = { ok: true, sub: ctx.state.auth?.userId ?? ctx.state.user?.sub ?? null });
  const ours = createKoaAuthMiddleware({ logtoUrl, audience: AUDIENCE });
  // what koa-jwt needs to accept a Logto access token: the key from the JWKS by kid
  // (jwks-rsa, cached), issuer, audience and the algorithm; it checks no typ (at+jwt)
  const secret = jwksRsa.koaJwtSecret({ jwksUri: `${issuer}/jwks`, cache: true, rateLimit: false });
  for (const alg of process.env.BENCH_HTTP_ALGS!.split(',')) {
    router.get(`/none/${alg}`, answer as never);
    router.get(`/ours/${alg}`, ours as never, answer as never);
    router.get(`/koa-jwt/${alg}`, koaJwt({ secret, issuer, audience: AUDIENCE, algorithms: [alg] }) as never, answer as never);
  }
  app.use(router.routes());
  const server = app.listen(0, '127.0.0.1', () => serveToParent((server.address() as AddressInfo).port, () => server.close()));
}

if (process.argv[2] === 'serve') await serve();
else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const fx = await setUp(HTTP_ALGORITHMS, 1);
  try {
    console.log((await runKoaHttp(fx)).join('\n'));
  } finally {
    await fx.server.close();
  }
}
