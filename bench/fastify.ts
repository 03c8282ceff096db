// Fastify 5 end to end with autocannon on loopback: the same route without auth
// (the ceiling), with an async onRequest hook that does nothing, with our
// hook, and with the two ways Fastify users verify a Logto token today, each
// configured to accept it: fast-jwt + get-jwks (what @fastify/jwt runs inside;
// @fastify/jwt itself is not a dev dependency) and jose's createRemoteJWKSet +
// jwtVerify in an onRequest hook (what Logto's own Fastify guide hand-rolls).
// ES384 and RS256, measured as every HTTP bench is
// (bench/http.ts: interleaved slices, server CPU per request).
// The server is this file run with `serve`, in a child process, so autocannon
// does not share its event loop. `node --import tsx bench/fastify.ts` runs this case alone.
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { AUDIENCE, setUp, type Fixtures } from './fixtures.ts';
import { serveToParent } from './serve-to-parent.ts';
import { childCpu, forkServer, HTTP_ALGORITHMS, httpTable, measureHttp, version } from './http.ts';

export const FASTIFY_VARIANTS = ['no auth (ceiling)', 'no-op hook', 'fast-jwt + get-jwks', 'jose (Logto guide)', 'ours'] as const;
type FastifyVariant = (typeof FASTIFY_VARIANTS)[number];
const ROUTES: Record<FastifyVariant, string> = { 'no auth (ceiling)': 'none', 'no-op hook': 'noop', 'fast-jwt + get-jwks': 'fast-jwt', 'jose (Logto guide)': 'jose', ours: 'ours' };

/** Runs the Fastify case (this file with `serve`) and returns its markdown table. */
export async function runFastifyHttp(fx: Fixtures): Promise<string[]> {
  const { child, port } = await forkServer(new URL(import.meta.url), fx, ['serve']);
  try {
    const results = await measureHttp(fx, {
      name: 'Fastify',
      variants: FASTIFY_VARIANTS,
      url: (variant, alg) => `http://127.0.0.1:${port}/${ROUTES[variant]}/${alg}`,
      cpu: () => childCpu(child),
    });
    return httpTable(`Fastify ${version('fastify')} (fast-jwt ${version('fast-jwt')}, get-jwks ${version('get-jwks')}, jose ${version('jose')}), repeat workload; "no-op hook" is an async onRequest hook that does nothing.`, results, FASTIFY_VARIANTS, 'no auth (ceiling)');
  } finally {
    child.kill();
  }
}

/** The server: one route per variant and algorithm, all answering the same small JSON. */
async function serve(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { createVerifier } = await import('fast-jwt');
  const { default: buildGetJwks } = await import('get-jwks');
  const { createRemoteJWKSet, jwtVerify } = await import('jose');
  const { createFastifyAuthHook } = await import('../dist/adapters/fastify.js');
  type Req = { headers: Record<string, string | string[] | undefined>; auth?: unknown; user?: { sub?: string } };
  type Reply = { code(status: number): Reply; send(body: unknown): Reply };

  const logtoUrl = process.env.BENCH_LOGTO_URL!;
  const issuer = `${logtoUrl}/oidc`;
  const app = Fastify();
  const answer = async (request: Req) => ({ ok: true, sub: (request.auth as { userId?: string } | undefined)?.userId ?? request.user?.sub ?? null });
  const bearer = (request: Req) => /^Bearer (.+)$/i.exec(String(request.headers.authorization ?? ''))?.[1] ?? '';
  const unauthorized = (reply: Reply) => reply.code(401).send({ error: 'unauthorized' });

  // one route per variant and algorithm, as in the Express app (bench/http.ts sets the list)
  const algorithms = process.env.BENCH_HTTP_ALGS!.split(',');
  const ours = createFastifyAuthHook({ logtoUrl, audience: AUDIENCE });
  // an async onRequest hook that does nothing: Fastify's own price for a hook like ours
  const noop = async () => {};
  for (const alg of algorithms) {
    app.get(`/none/${alg}`, answer);
    app.get(`/noop/${alg}`, { onRequest: [noop] }, answer);
    app.get(`/ours/${alg}`, { onRequest: [ours] }, answer);
  }

  // What fast-jwt + get-jwks need to accept a Logto access token (this is the
  // verifier @fastify/jwt builds from its `secret` function and `verify` options):
  // - get-jwks jwksPath '/jwks' with the issuer as domain: by default it fetches
  //   <domain>/.well-known/jwks.json, and Logto publishes <logtoUrl>/oidc/jwks;
  // - allowedIss and allowedAud: otherwise neither claim is checked;
  // - algorithms [alg]: Logto signs with ES384 by default; fast-jwt takes the alg from the key otherwise.
  // It does not check typ (at+jwt). get-jwks caches the JWKs but converts the key
  // to PEM again on every getPublicKey (jwk-to-pem, pure JS: tens of ms for P-384),
  // and that, not the signature, is most of its cost here; the recipe is get-jwks's
  // own README. fast-jwt's verified-token cache is left off, its default.
  const getJwks = buildGetJwks({ jwksPath: '/jwks', issuersWhitelist: [issuer] });
  for (const alg of algorithms) {
    const verifyFastJwt = createVerifier({
      key: async ({ header }: { header: Record<string, string> }) => getJwks.getPublicKey({ domain: issuer, kid: header.kid, alg: header.alg }),
      algorithms: [alg as 'ES384'],
      allowedIss: issuer,
      allowedAud: AUDIENCE,
    });
    app.get(`/fast-jwt/${alg}`, {
      onRequest: async (request: Req, reply: Reply) => {
        try {
          request.user = await verifyFastJwt(bearer(request));
        } catch {
          return unauthorized(reply);
        }
      },
    }, answer);
  }

  // Logto's Fastify guide: jose's createRemoteJWKSet (it caches the JWKS) and
  // jwtVerify with issuer and audience; jose checks no typ unless told.
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  for (const alg of algorithms) {
    app.get(`/jose/${alg}`, {
      onRequest: async (request: Req, reply: Reply) => {
        try {
          request.user = (await jwtVerify(bearer(request), jwks, { issuer, audience: AUDIENCE, algorithms: [alg] })).payload;
        } catch {
          return unauthorized(reply);
        }
      },
    }, answer);
  }

  await app.listen({ port: 0, host: '127.0.0.1' });
  serveToParent((app.server.address() as AddressInfo).port, () => app.close());
}

if (process.argv[2] === 'serve') await serve();
else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const fx = await setUp(HTTP_ALGORITHMS, 1);
  try {
    console.log((await runFastifyHttp(fx)).join('\n'));
  } finally {
    await fx.server.close();
  }
}
