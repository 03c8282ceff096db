// Fastify 5 end to end with autocannon on loopback: the same route without auth
// (the ceiling), with our hook, and with the two ways Fastify users verify a
// Logto token today, each configured to accept it: fast-jwt + get-jwks (what
// @fastify/jwt runs inside; @fastify/jwt itself is not a dev dependency) and
// jose's createRemoteJWKSet + jwtVerify in an onRequest hook (what Logto's own
// Fastify guide hand-rolls). 20 repeated ES384 tokens cycled, as users' cookies are.
// The server is this file run with `serve`, in a child process, so autocannon
// does not share its event loop. `node --import tsx bench/fastify.ts` runs this case alone.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
// @ts-expect-error autocannon ships no types and @types/autocannon is not a dev dependency
import autocannon from 'autocannon';
import { AUDIENCE, setUp, type Fixtures } from './fixtures.ts';

export const FASTIFY_VARIANTS = ['no auth (ceiling)', 'fast-jwt + get-jwks', 'jose (Logto guide)', 'ours'] as const;
type FastifyVariant = (typeof FASTIFY_VARIANTS)[number];
const ROUTES: Record<FastifyVariant, string> = { 'no auth (ceiling)': 'none', 'fast-jwt + get-jwks': 'fast-jwt', 'jose (Logto guide)': 'jose', ours: 'ours' };
const SLICE_S = Number(process.env.BENCH_HTTP_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const WARM_S = 1;
const CONNECTIONS = 16;

interface Result {
  rps: number;
  p99: number;
  non2xx: number;
}

/** Runs the Fastify case and returns its markdown table (requests/s, p99 ms, ratios to the no-auth route). */
export async function runFastifyHttp(fx: Fixtures): Promise<string[]> {
  const child = fork(fileURLToPath(import.meta.url), ['serve'], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_LOGTO_URL: fx.server.logtoUrl },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const [{ port }] = (await once(child, 'message')) as [{ port: number }];
    const requests = fx.repeat.ES384.map((token) => ({ method: 'GET' as const, headers: { authorization: `Bearer ${token}` } }));
    const url = (variant: FastifyVariant) => `http://127.0.0.1:${port}/${ROUTES[variant]}`;
    // warm the JWKS caches and the JIT
    for (const variant of FASTIFY_VARIANTS) await autocannon({ url: url(variant), connections: CONNECTIONS, duration: WARM_S, requests });
    // variants take turns, ROUNDS times, and each keeps its best slice: a burst
    // of load from elsewhere on a shared machine hits one slice, not one variant
    const results = {} as Record<FastifyVariant, Result>;
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of FASTIFY_VARIANTS) {
        const run = await autocannon({ url: url(variant), connections: CONNECTIONS, duration: SLICE_S, requests });
        const previous = results[variant];
        const non2xx = (previous?.non2xx ?? 0) + run.non2xx + run.errors;
        if (!previous || run.requests.average > previous.rps) results[variant] = { rps: run.requests.average, p99: run.latency.p99, non2xx };
        else previous.non2xx = non2xx;
      }
    }
    const bad = FASTIFY_VARIANTS.filter((variant) => results[variant].non2xx > 0);
    if (bad.length) throw new Error(`Fastify bench: non-2xx answers from ${bad.join(', ')}`);
    const ceiling = results['no auth (ceiling)'].rps;
    const peers = FASTIFY_VARIANTS.slice(1);
    return [
      `Fastify ${version('fastify')} (fast-jwt ${version('fast-jwt')}, get-jwks ${version('get-jwks')}, jose ${version('jose')}), ES384, repeat workload (20 tokens cycled), autocannon ${CONNECTIONS} connections on loopback, best of ${ROUNDS} interleaved ${SLICE_S} s slices; requests/s (p99 ms of that slice).`,
      '',
      `| ${FASTIFY_VARIANTS.join(' | ')} | ${peers.map((v) => `${v}/ceiling`).join(' | ')} |`,
      `| ${[...FASTIFY_VARIANTS, ...peers].map(() => '---:').join(' | ')} |`,
      `| ${FASTIFY_VARIANTS.map((v) => `${Math.round(results[v].rps).toLocaleString('en-US')} (${results[v].p99})`).join(' | ')} | ${peers.map((v) => `${(results[v].rps / ceiling).toFixed(2)}x`).join(' | ')} |`,
    ];
  } finally {
    child.kill();
  }
}

function version(name: string): string {
  return (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
}

/** The server: one route per variant, all answering the same small JSON. */
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

  app.get('/none', answer);
  app.get('/ours', { onRequest: [createFastifyAuthHook({ logtoUrl, audience: AUDIENCE })] }, answer);

  // What fast-jwt + get-jwks need to accept a Logto access token (this is the
  // verifier @fastify/jwt builds from its `secret` function and `verify` options):
  // - get-jwks jwksPath '/jwks' with the issuer as domain: by default it fetches
  //   <domain>/.well-known/jwks.json, and Logto publishes <logtoUrl>/oidc/jwks;
  // - allowedIss and allowedAud: otherwise neither claim is checked;
  // - algorithms ['ES384']: Logto's default; fast-jwt takes the alg from the key otherwise.
  // It does not check typ (at+jwt). get-jwks caches the JWKs but converts the key
  // to PEM again on every getPublicKey (jwk-to-pem, pure JS: tens of ms for P-384),
  // and that, not the signature, is most of its cost here; the recipe is get-jwks's
  // own README. fast-jwt's verified-token cache is left off, its default.
  const getJwks = buildGetJwks({ jwksPath: '/jwks', issuersWhitelist: [issuer] });
  const verifyFastJwt = createVerifier({
    key: async ({ header }: { header: Record<string, string> }) => getJwks.getPublicKey({ domain: issuer, kid: header.kid, alg: header.alg }),
    algorithms: ['ES384'],
    allowedIss: issuer,
    allowedAud: AUDIENCE,
  });
  app.get('/fast-jwt', {
    onRequest: async (request: Req, reply: Reply) => {
      try {
        request.user = await verifyFastJwt(bearer(request));
      } catch {
        return unauthorized(reply);
      }
    },
  }, answer);

  // Logto's Fastify guide: jose's createRemoteJWKSet (it caches the JWKS) and
  // jwtVerify with issuer and audience; jose checks no typ unless told.
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  app.get('/jose', {
    onRequest: async (request: Req, reply: Reply) => {
      try {
        request.user = (await jwtVerify(bearer(request), jwks, { issuer, audience: AUDIENCE, algorithms: ['ES384'] })).payload;
      } catch {
        return unauthorized(reply);
      }
    },
  }, answer);

  await app.listen({ port: 0, host: '127.0.0.1' });
  process.send!({ port: (app.server.address() as AddressInfo).port });
  // the parent's exit closes the IPC channel: stop with it
  process.on('disconnect', () => {
    void app.close().then(() => process.exit(0));
  });
}

if (process.argv[2] === 'serve') await serve();
else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const fx = await setUp(['ES384'], 1);
  try {
    console.log((await runFastifyHttp(fx)).join('\n'));
  } finally {
    await fx.server.close();
  }
}
