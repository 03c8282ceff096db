// Express end to end with autocannon on loopback: the same route without auth
// (the ceiling), with express-oauth2-jwt-bearer, and with our middleware.
// The server runs in a child process so autocannon does not share its event loop.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
// @ts-expect-error autocannon ships no types and @types/autocannon is not a dev dependency
import autocannon from 'autocannon';
import type { BenchAlgorithm, Fixtures } from './fixtures.ts';

export const HTTP_ALGORITHMS: readonly BenchAlgorithm[] = ['ES384', 'RS256'];
export const HTTP_VARIANTS = ['no auth (ceiling)', 'express-oauth2-jwt-bearer', 'ours'] as const;
export type HttpVariant = (typeof HTTP_VARIANTS)[number];
const ROUTES: Record<HttpVariant, string> = { 'no auth (ceiling)': 'none', 'express-oauth2-jwt-bearer': 'auth0', ours: 'ours' };
const DURATION_S = Number(process.env.BENCH_HTTP_SECONDS ?? 4);
const CONNECTIONS = 16;

export interface HttpResult {
  rps: number;
  p99: number;
  non2xx: number;
}

export async function runHttp(fx: Fixtures): Promise<Record<string, Record<HttpVariant, HttpResult>>> {
  const child = fork(new URL('./http-server.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_LOGTO_URL: fx.server.logtoUrl },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const [{ port }] = (await once(child, 'message')) as [{ port: number }];
    const results: Record<string, Record<HttpVariant, HttpResult>> = {};
    for (const alg of HTTP_ALGORITHMS) {
      results[alg] = {} as Record<HttpVariant, HttpResult>;
      const requests = fx.repeat[alg].map((token) => ({ method: 'GET' as const, headers: { authorization: `Bearer ${token}` } }));
      for (const variant of HTTP_VARIANTS) {
        const url = `http://127.0.0.1:${port}/${ROUTES[variant]}/${alg}`;
        await fire(url, requests, 1); // warm the JWKS caches and the JIT
        const result = await fire(url, requests, DURATION_S);
        results[alg][variant] = { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx + result.errors };
      }
    }
    return results;
  } finally {
    stop(child);
  }
}

function fire(url: string, requests: { method: 'GET'; headers: Record<string, string> }[], duration: number): Promise<{ requests: { average: number }; latency: { p99: number }; non2xx: number; errors: number }> {
  return autocannon({ url, connections: CONNECTIONS, duration, requests });
}

function stop(child: ChildProcess): void {
  child.kill();
}
