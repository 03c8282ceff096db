// Elysia on Bun end to end with autocannon on loopback: the same route without
// auth (the ceiling) and with our derive; ES384 and RS256, measured as every
// HTTP bench is (bench/http.ts: interleaved slices, server CPU per request).
// The server (bench/elysia-server.mjs) runs under Bun, forked with an IPC
// channel. @elysiajs/jwt is not measured: it verifies with one configured
// secret or key and fetches no JWKS, so it cannot take Logto's tokens as they come.
// `node --import tsx bench/elysia.ts` runs this case alone.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { AUDIENCE, setUp, type Fixtures } from './fixtures.ts';
import { childCpu, HTTP_ALGORITHMS, httpAlgorithms, httpTable, measureHttp, version } from './http.ts';

export const ELYSIA_VARIANTS = ['no auth (ceiling)', 'ours'] as const;
type ElysiaVariant = (typeof ELYSIA_VARIANTS)[number];
const ROUTES: Record<ElysiaVariant, string> = { 'no auth (ceiling)': 'none', ours: 'ours' };

/** Runs the Elysia case (bench/elysia-server.mjs under Bun) and returns its markdown table. */
export async function runElysiaHttp(fx: Fixtures): Promise<string[]> {
  const child = fork(new URL('./elysia-server.mjs', import.meta.url), [], {
    execPath: new URL('../node_modules/.bin/bun', import.meta.url).pathname,
    execArgv: [],
    serialization: 'json',
    env: { ...process.env, DO_NOT_TRACK: '1', BENCH_AUDIENCE: AUDIENCE, BENCH_LOGTO_URL: fx.server.logtoUrl, BENCH_HTTP_ALGS: httpAlgorithms(fx).join(',') },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const [{ port }] = (await once(child, 'message')) as [{ port: number }];
    const results = await measureHttp(fx, {
      name: 'Elysia',
      variants: ELYSIA_VARIANTS,
      url: (variant, alg) => `http://127.0.0.1:${port}/${ROUTES[variant]}/${alg}`,
      cpu: () => childCpu(child),
    });
    return httpTable(`Elysia ${version('elysia')} on Bun ${version('bun')}, repeat workload.`, results, ELYSIA_VARIANTS, 'no auth (ceiling)');
  } finally {
    child.kill();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const fx = await setUp(HTTP_ALGORITHMS, 1);
  try {
    console.log((await runElysiaHttp(fx)).join('\n'));
  } finally {
    await fx.server.close();
  }
}
