// Hono end to end with autocannon on loopback, on @hono/node-server: the same
// route without auth (the ceiling), an async middleware that does nothing and
// one that only sets c.var.auth (Hono's own price for a middleware), hono/jwk
// configured to accept Logto tokens (see bench/hono-server.ts for what it
// needed), once fetching the JWKS per request as it does and once with the
// keys given up front, and our middleware; ES384 and RS256, measured as every
// HTTP bench is (bench/http.ts: interleaved slices, server CPU per request).
// `node --import tsx bench/hono.ts` runs this case alone.
import { pathToFileURL } from 'node:url';
import { setUp, type Fixtures } from './fixtures.ts';
import { childCpu, forkServer, HTTP_ALGORITHMS, httpTable, measureHttp, version } from './http.ts';

export const HONO_VARIANTS = ['no auth (ceiling)', 'no-op middleware', 'sets c.var.auth', 'hono/jwk', 'hono/jwk, keys given', 'ours'] as const;
type HonoVariant = (typeof HONO_VARIANTS)[number];
const ROUTES: Record<HonoVariant, string> = { 'no auth (ceiling)': 'none', 'no-op middleware': 'noop', 'sets c.var.auth': 'sets-var', 'hono/jwk': 'hono-jwk', 'hono/jwk, keys given': 'hono-jwk-keys', ours: 'ours' };

/** Runs the Hono case (bench/hono-server.ts) and returns its markdown table. */
export async function runHonoHttp(fx: Fixtures): Promise<string[]> {
  const { child, port } = await forkServer(new URL('./hono-server.ts', import.meta.url), fx);
  try {
    const results = await measureHttp(fx, {
      name: 'Hono',
      variants: HONO_VARIANTS,
      // every route answers for every algorithm; hono/jwk's take it in the path, for its `alg` allow-list
      url: (variant, alg) => `http://127.0.0.1:${port}/${ROUTES[variant]}/${alg}`,
      cpu: () => childCpu(child),
    });
    return httpTable(`Hono ${version('hono')} on @hono/node-server ${version('@hono/node-server')}, repeat workload; hono/jwk fetches the JWKS on every request (each costs a loopback GET), "keys given" passes them up front.`, results, HONO_VARIANTS, 'no auth (ceiling)');
  } finally {
    child.kill();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const fx = await setUp(HTTP_ALGORITHMS, 1);
  try {
    console.log((await runHonoHttp(fx)).join('\n'));
  } finally {
    await fx.server.close();
  }
}
