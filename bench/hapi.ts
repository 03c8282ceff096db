// Hapi 21 end to end with autocannon on loopback: the same route without auth
// (the ceiling), our scheme, and what Hapi users verify a Logto token with
// today, hapi-auth-jwt2 with jwks-rsa's hapiJwt2KeyAsync, configured to accept
// it; ES384 and RS256, measured as every HTTP bench is (bench/http.ts:
// interleaved slices, server CPU per request). The server is this file run
// with `serve`, in a child process. `node --import tsx bench/hapi.ts` runs this case alone.
import { pathToFileURL } from 'node:url';
import { AUDIENCE, setUp, type Fixtures } from './fixtures.ts';
import { serveToParent } from './serve-to-parent.ts';
import { childCpu, forkServer, HTTP_ALGORITHMS, httpTable, measureHttp, version } from './http.ts';

export const HAPI_VARIANTS = ['no auth (ceiling)', 'hapi-auth-jwt2 + jwks-rsa', 'ours'] as const;
type HapiVariant = (typeof HAPI_VARIANTS)[number];
const ROUTES: Record<HapiVariant, string> = { 'no auth (ceiling)': 'none', 'hapi-auth-jwt2 + jwks-rsa': 'jwt2', ours: 'ours' };

/** Runs the Hapi case (this file with `serve`) and returns its markdown table. */
export async function runHapiHttp(fx: Fixtures): Promise<string[]> {
  const { child, port } = await forkServer(new URL(import.meta.url), fx, ['serve']);
  try {
    const results = await measureHttp(fx, {
      name: 'Hapi',
      variants: HAPI_VARIANTS,
      url: (variant, alg) => `http://127.0.0.1:${port}/${ROUTES[variant]}/${alg}`,
      cpu: () => childCpu(child),
    });
    return httpTable(`Hapi ${version('@hapi/hapi')} (hapi-auth-jwt2 ${version('hapi-auth-jwt2')}, jwks-rsa ${version('jwks-rsa')}), repeat workload.`, results, HAPI_VARIANTS, 'no auth (ceiling)');
  } finally {
    child.kill();
  }
}

/** The server: one route per variant and algorithm, all answering the same small JSON. */
async function serve(): Promise<void> {
  const { default: Hapi } = await import('@hapi/hapi');
  const hapiAuthJwt2 = await import('hapi-auth-jwt2');
  const jwksRsa = await import('jwks-rsa');
  const { hapiLogtoScheme, HAPI_SCHEME_NAME } = await import('../dist/adapters/hapi.js');

  const logtoUrl = process.env.BENCH_LOGTO_URL!;
  const issuer = `${logtoUrl}/oidc`;
  const server = Hapi.server({ port: 0, host: '127.0.0.1' });
  const answer = (request: { auth: { credentials?: { userId?: string; sub?: string } | null } }) => ({ ok: true, sub: request.auth.credentials?.userId ?? request.auth.credentials?.sub ?? null });
  server.auth.scheme(HAPI_SCHEME_NAME, hapiLogtoScheme);
  server.auth.strategy('logto', HAPI_SCHEME_NAME, { logtoUrl, audience: AUDIENCE });
  // what hapi-auth-jwt2 needs to accept a Logto access token: the key from the JWKS
  // by kid (jwks-rsa, cached), issuer, audience and algorithms in verifyOptions; it checks no typ
  await server.register(((hapiAuthJwt2 as { default?: unknown }).default ?? hapiAuthJwt2) as never);
  const algorithms = process.env.BENCH_HTTP_ALGS!.split(',');
  server.auth.strategy('jwt2', 'jwt', {
    // complete: jwks-rsa reads the kid from the decoded header
    complete: true,
    key: jwksRsa.hapiJwt2KeyAsync({ jwksUri: `${issuer}/jwks`, cache: true, rateLimit: false }),
    validate: async (decoded: { payload?: { sub?: string }; sub?: string }) => ({ isValid: true, credentials: decoded.payload ?? decoded }),
    verifyOptions: { issuer, audience: AUDIENCE, algorithms },
  });
  for (const alg of algorithms) {
    server.route({ method: 'GET', path: `/none/${alg}`, options: { auth: false }, handler: answer as never });
    server.route({ method: 'GET', path: `/ours/${alg}`, options: { auth: 'logto' }, handler: answer as never });
    server.route({ method: 'GET', path: `/jwt2/${alg}`, options: { auth: 'jwt2' }, handler: answer as never });
  }
  if (process.env.BENCH_DEBUG) server.events.on({ name: 'request', channels: 'error' }, (_request, event) => console.error(event.error));
  await server.start();
  serveToParent(server.info.port as number, () => server.stop({ timeout: 0 }));
}

if (process.argv[2] === 'serve') await serve();
else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const fx = await setUp(HTTP_ALGORITHMS, 1);
  try {
    console.log((await runHapiHttp(fx)).join('\n'));
  } finally {
    await fx.server.close();
  }
}
