// Hono end to end with autocannon on loopback, on @hono/node-server: the same
// route without auth (the ceiling), with hono/jwk configured to accept Logto
// tokens (see bench/hono-server.ts for what it needed), once fetching the JWKS
// per request as it does and once with the keys given up front, and with our
// middleware; 20 repeated ES384 tokens cycled, as users' cookies are.
// The server runs in a child process so autocannon does not share its event loop.
// `node --import tsx bench/hono.ts` runs this case alone.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
// @ts-expect-error autocannon ships no types and @types/autocannon is not a dev dependency
import autocannon from 'autocannon';
import { setUp, type Fixtures } from './fixtures.ts';

export const HONO_VARIANTS = ['no auth (ceiling)', 'no-op middleware', 'sets c.var.auth', 'hono/jwk', 'hono/jwk, keys given', 'ours'] as const;
type HonoVariant = (typeof HONO_VARIANTS)[number];
const ROUTES: Record<HonoVariant, string> = { 'no auth (ceiling)': 'none', 'no-op middleware': 'noop', 'sets c.var.auth': 'sets-var', 'hono/jwk': 'hono-jwk', 'hono/jwk, keys given': 'hono-jwk-keys', ours: 'ours' };
const SLICE_S = Number(process.env.BENCH_HTTP_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const WARM_S = 1;
const CONNECTIONS = 16;

interface Result {
  rps: number;
  p99: number;
  non2xx: number;
  /** The server's CPU time per request (user, system), µs: the lowest of the slices. */
  userUs: number;
  systemUs: number;
}

/** Runs the Hono case and returns its markdown table (requests/s, p99 ms, ratios to the no-auth route). */
export async function runHonoHttp(fx: Fixtures): Promise<string[]> {
  const child = fork(new URL('./hono-server.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_LOGTO_URL: fx.server.logtoUrl },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const [{ port }] = (await once(child, 'message')) as [{ port: number }];
    const requests = fx.repeat.ES384.map((token) => ({ method: 'GET' as const, headers: { authorization: `Bearer ${token}` } }));
    const url = (variant: HonoVariant) => `http://127.0.0.1:${port}/${ROUTES[variant]}`;
    // warm the JWKS caches and the JIT
    for (const variant of HONO_VARIANTS) await autocannon({ url: url(variant), connections: CONNECTIONS, duration: WARM_S, requests });
    // variants take turns, ROUNDS times, and each keeps its best slice: a burst
    // of load from elsewhere on a shared machine hits one slice, not one variant
    const results = {} as Record<HonoVariant, Result>;
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of HONO_VARIANTS) {
        const before = await serverCpu(child);
        const run = await autocannon({ url: url(variant), connections: CONNECTIONS, duration: SLICE_S, requests });
        const after = await serverCpu(child);
        const userUs = (after.user - before.user) / run.requests.total;
        const systemUs = (after.system - before.system) / run.requests.total;
        const previous = results[variant];
        const non2xx = (previous?.non2xx ?? 0) + run.non2xx + run.errors;
        if (!previous || run.requests.average > previous.rps) results[variant] = { rps: run.requests.average, p99: run.latency.p99, non2xx, userUs, systemUs };
        else previous.non2xx = non2xx;
        results[variant].userUs = Math.min(results[variant].userUs, userUs);
        results[variant].systemUs = Math.min(results[variant].systemUs, systemUs);
      }
    }
    const bad = HONO_VARIANTS.filter((variant) => results[variant].non2xx > 0);
    if (bad.length) throw new Error(`Hono bench: non-2xx answers from ${bad.join(', ')}`);
    const ceiling = results['no auth (ceiling)'].rps;
    const ratio = (variant: HonoVariant, base = ceiling) => `${(results[variant].rps / base).toFixed(2)}x`;
  const perRequest = (variant: HonoVariant) => (1e6 / results[variant].rps - 1e6 / ceiling).toFixed(1);
    return [
      `Hono ${honoVersion()} on @hono/node-server, ES384, repeat workload (20 tokens cycled), autocannon ${CONNECTIONS} connections on loopback, best of ${ROUNDS} interleaved ${SLICE_S} s slices; requests/s (p99 ms of that slice).`,
      '',
      `| ${HONO_VARIANTS.join(' | ')} | ours/ceiling | ours/no-op middleware | hono/jwk/ceiling | hono/jwk, keys given/ceiling |`,
      `| ${HONO_VARIANTS.map(() => '---:').join(' | ')} | ---: | ---: | ---: | ---: |`,
      `| ${HONO_VARIANTS.map((v) => `${Math.round(results[v].rps).toLocaleString('en-US')} (${results[v].p99})`).join(' | ')} | ${ratio('ours')} | ${ratio('ours', results['no-op middleware'].rps)} | ${ratio('hono/jwk')} | ${ratio('hono/jwk, keys given')} |`,
      '',
      `µs added per request over the ceiling (1/rate difference, 16 connections on 2 shared cores): no-op middleware ${perRequest('no-op middleware')}, sets c.var.auth ${perRequest('sets c.var.auth')}, ours ${perRequest('ours')}.`,
      '',
      `The server's own CPU time per request (process.cpuUsage around each slice, the lowest of ${ROUNDS}), µs, user + system:`,
      '',
      `| ${HONO_VARIANTS.join(' | ')} |`,
      `| ${HONO_VARIANTS.map(() => '---:').join(' | ')} |`,
      `| ${HONO_VARIANTS.map((v) => `${results[v].userUs.toFixed(1)} + ${results[v].systemUs.toFixed(1)}`).join(' | ')} |`,
    ];
  } finally {
    child.kill();
  }
}

async function serverCpu(child: ChildProcess): Promise<NodeJS.CpuUsage> {
  child.send('cpu');
  const [{ cpu }] = (await once(child, 'message')) as [{ cpu: NodeJS.CpuUsage }];
  return cpu;
}

function honoVersion(): string {
  return (JSON.parse(readFileSync(new URL('../node_modules/hono/package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const fx = await setUp(['ES384'], 1);
  try {
    console.log((await runHonoHttp(fx)).join('\n'));
  } finally {
    await fx.server.close();
  }
}
