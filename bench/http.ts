// The HTTP benches' method, and the Express run. Every framework bench
// (Express here, bench/hono.ts, bench/fastify.ts, bench/next.ts) runs its
// server in a child process, so autocannon does not share its event loop, and
// measures it the same way (`measureHttp`): for ES384 and RS256, the 20
// repeated tokens cycled as `Authorization: Bearer` (as users' cookies are),
// algorithms and variants taking turns in short slices ROUNDS times, each keeping its best
// requests/s and its lowest server CPU per request. The CPU figure (the
// server's own user + system time over the slice, divided by the requests it
// served) is the robust one on a shared 2-core machine, where autocannon
// competes with the server for the CPU; `httpTable` prints both.
// `node --import tsx bench/http.ts` runs the Express case alone.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
// @ts-expect-error autocannon ships no types and @types/autocannon is not a dev dependency
import autocannon from 'autocannon';
import { setUp, type BenchAlgorithm, type Fixtures } from './fixtures.ts';

export const HTTP_ALGORITHMS: readonly BenchAlgorithm[] = ['ES384', 'RS256'];
/** Seconds per measured slice. Default: 2. */
export const SLICE_S = Number(process.env.BENCH_HTTP_SECONDS ?? 2);
/** Slices per variant and algorithm; each variant keeps its best. Default: 3. */
export const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
/** Seconds of unmeasured traffic per variant first: JWKS caches, token caches, JIT. */
const WARM_S = 1;
export const CONNECTIONS = 16;

/** One variant's figures for one algorithm. */
export interface HttpResult {
  /** Requests per second: the best slice. */
  rps: number;
  /** p99 latency of that slice, ms. */
  p99: number;
  /** The server's CPU time per request, µs, user and system, from the slice with the lowest sum. */
  userUs: number;
  systemUs: number;
}

/** What `measureHttp` needs of a running server. */
export interface HttpTarget<V extends string> {
  /** For the error thrown on a non-2xx answer. */
  name: string;
  variants: readonly V[];
  url(variant: V, alg: BenchAlgorithm): string;
  /** The server process's `process.cpuUsage()`, µs. */
  cpu(): Promise<NodeJS.CpuUsage>;
}

export type HttpResults<V extends string> = Partial<Record<BenchAlgorithm, Record<V, HttpResult>>>;

/** The algorithms of HTTP_ALGORITHMS the fixtures minted tokens for. */
export function httpAlgorithms(fx: Fixtures): BenchAlgorithm[] {
  return HTTP_ALGORITHMS.filter((alg) => fx.repeat[alg] !== undefined);
}

/**
 * Drives every variant for each algorithm: a warm-up of each, then ROUNDS
 * rounds of one SLICE_S slice per algorithm and variant. Throws as soon as any
 * slice (warm-up included) gets an answer that is not 2xx, or a connection error.
 */
export async function measureHttp<V extends string>(fx: Fixtures, target: HttpTarget<V>): Promise<HttpResults<V>> {
  const algorithms = httpAlgorithms(fx);
  const requests = (alg: BenchAlgorithm) => fx.repeat[alg].map((token) => ({ method: 'GET' as const, headers: { authorization: `Bearer ${token}` } }));
  const fire = async (alg: BenchAlgorithm, variant: V, duration: number) => {
    const run = await autocannon({ url: target.url(variant, alg), connections: CONNECTIONS, duration, requests: requests(alg) });
    const bad = run.non2xx + run.errors;
    if (bad > 0 || run.requests.total === 0) throw new Error(`${target.name} bench: ${bad} non-2xx answers or errors (of ${run.requests.total}) from ${variant}, ${alg}`);
    return run;
  };
  for (const alg of algorithms) for (const variant of target.variants) await fire(alg, variant, WARM_S);
  // algorithms and variants take turns, ROUNDS times, and each keeps its best
  // slice: a burst of load from elsewhere on a shared machine (it can halve a
  // server's requests/s for tens of seconds) hits one slice, not one variant
  const results: HttpResults<V> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const alg of algorithms) {
      const best = (results[alg] ??= {} as Record<V, HttpResult>);
      for (const variant of target.variants) {
        const before = await target.cpu();
        const run = await fire(alg, variant, SLICE_S);
        const after = await target.cpu();
        const userUs = (after.user - before.user) / run.requests.total;
        const systemUs = (after.system - before.system) / run.requests.total;
        const previous = best[variant];
        if (!previous) {
          best[variant] = { rps: run.requests.average, p99: run.latency.p99, userUs, systemUs };
          continue;
        }
        if (run.requests.average > previous.rps) Object.assign(previous, { rps: run.requests.average, p99: run.latency.p99 });
        if (userUs + systemUs < previous.userUs + previous.systemUs) Object.assign(previous, { userUs, systemUs });
      }
    }
  }
  return results;
}

/**
 * A markdown table, one row per algorithm and variant: requests/s, p99, the
 * ratio to `ceiling`, the server's CPU µs per request, and that CPU over the
 * ceiling's (what the variant's middleware costs the server per request).
 */
export function httpTable<V extends string>(caption: string, results: HttpResults<V>, variants: readonly V[], ceiling: V): string[] {
  const lines = [
    `${caption} Each variant: the best of ${ROUNDS} interleaved ${SLICE_S} s slices (autocannon, ${CONNECTIONS} connections on loopback, 20 repeated tokens cycled as \`Authorization: Bearer\`); server CPU is the server process's user + system time per request, the lowest slice.`,
    '',
    '| alg | variant | requests/s | p99 ms | /ceiling | server CPU µs/request (user + system) | CPU over the ceiling, µs/request |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [alg, byVariant] of Object.entries(results) as [BenchAlgorithm, Record<V, HttpResult>][]) {
    const base = byVariant[ceiling];
    const cpu = (r: HttpResult) => r.userUs + r.systemUs;
    for (const variant of variants) {
      const r = byVariant[variant];
      const over = variant === ceiling ? '' : `${cpu(r) >= cpu(base) ? '+' : ''}${(cpu(r) - cpu(base)).toFixed(1)}`;
      lines.push(`| ${alg} | ${variant} | ${fmt(r.rps)} | ${r.p99} | ${(r.rps / base.rps).toFixed(2)}x | ${cpu(r).toFixed(1)} (${r.userUs.toFixed(1)} + ${r.systemUs.toFixed(1)}) | ${over} |`);
    }
  }
  return lines;
}

/** The installed version of a dev dependency, for a table's caption. */
export function version(name: string): string {
  return (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
}

/** Asks a forked bench server (which answers the 'cpu' message) for its `process.cpuUsage()`. */
export async function childCpu(child: ChildProcess): Promise<NodeJS.CpuUsage> {
  child.send('cpu');
  const [{ cpu }] = (await once(child, 'message')) as [{ cpu: NodeJS.CpuUsage }];
  return cpu;
}

/** Forks a bench server module with tsx; resolves with the child and the port it reports. */
export async function forkServer(module: URL, fx: Fixtures, args: string[] = []): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(module, args, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_LOGTO_URL: fx.server.logtoUrl, BENCH_HTTP_ALGS: httpAlgorithms(fx).join(',') },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [{ port }] = (await once(child, 'message')) as [{ port: number }];
  return { child, port };
}

export const HTTP_VARIANTS = ['no auth (ceiling)', 'no-op middleware', 'express-oauth2-jwt-bearer', 'ours'] as const;
export type HttpVariant = (typeof HTTP_VARIANTS)[number];
const ROUTES: Record<HttpVariant, string> = { 'no auth (ceiling)': 'none', 'no-op middleware': 'noop', 'express-oauth2-jwt-bearer': 'auth0', ours: 'ours' };

/** Runs the Express case (bench/http-server.ts) and returns its markdown table. */
export async function runHttp(fx: Fixtures): Promise<string[]> {
  const { child, port } = await forkServer(new URL('./http-server.ts', import.meta.url), fx);
  try {
    const results = await measureHttp(fx, {
      name: 'Express',
      variants: HTTP_VARIANTS,
      url: (variant, alg) => `http://127.0.0.1:${port}/${ROUTES[variant]}/${alg}`,
      cpu: () => childCpu(child),
    });
    return httpTable(`Express ${version('express')} (express-oauth2-jwt-bearer ${version('express-oauth2-jwt-bearer')}, \`auth({ issuer, jwksUri, audience, tokenSigningAlg })\`), repeat workload; "no-op middleware" calls next() after a promise settles, the price of any middleware that awaits (ours calls next() at once on a cache hit).`, results, HTTP_VARIANTS, 'no auth (ceiling)');
  } finally {
    child.kill();
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const fx = await setUp(HTTP_ALGORITHMS, 1);
  try {
    console.log((await runHttp(fx)).join('\n'));
  } finally {
    await fx.server.close();
  }
}
