// Next 16 end to end with autocannon on loopback: `next build` and `next start`
// (production) of bench/next-app, whose GET /api/none answers without auth
// (the ceiling) and GET /api/ours the same JSON behind `withAuth` from
// logto-authkit/next; ES384 and RS256, measured as every HTTP bench is
// (bench/http.ts: interleaved slices, server CPU per request, here read from
// the app's /api/cpu route, `process.cpuUsage()` of the process that runs the
// route handlers). The app is built in a copy under tmp/ as the e2e specs'
// helper does it (spec/helpers/next-app.ts), with the fixtures' loopback
// JWKS as its logtoUrl. `node --import tsx bench/next.ts` runs this case alone;
// `BENCH_NEXT=0 npm run bench` leaves it out (it runs `next build` first).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildNextApp, freePort, ROOT, type NextApp } from '../spec/helpers/next-app.ts';
import { AUDIENCE, setUp, type Fixtures } from './fixtures.ts';
import { HTTP_ALGORITHMS, httpTable, measureHttp, version } from './http.ts';

export const NEXT_VARIANTS = ['no auth (ceiling)', 'ours'] as const;
type NextVariant = (typeof NEXT_VARIANTS)[number];
const ROUTES: Record<NextVariant, string> = { 'no auth (ceiling)': '/api/none', ours: '/api/ours' };
const BENCH_APP: NextApp = { dir: join(ROOT, 'bench/next-app'), nextDir: join(ROOT, 'node_modules/next16'), version: version('next16') };
const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 250;
/** Characters of the server's output kept to explain a failed start. */
const KEPT_OUTPUT_CHARS = 8_000;
// Loaded into `next start` (and any process it forks with its execArgv): exits
// once the process that started it is gone, so no server outlives the bench,
// even when the bench is killed with SIGKILL and cannot stop it.
const WATCHDOG_POLL_MS = 1_000;
const WATCHDOG = `data:text/javascript,const p=process.ppid;setInterval(()=>{if(process.ppid!==p)process.exit(0)},${WATCHDOG_POLL_MS}).unref();`;

/** Builds and starts the Next app, runs the Next case and returns its markdown table. */
export async function runNextHttp(fx: Fixtures): Promise<string[]> {
  const env = { BENCH_LOGTO_URL: fx.server.logtoUrl, BENCH_AUDIENCE: AUDIENCE };
  // route modules are loaded, and withAuth's options checked, at build time too
  const build = await buildNextApp(BENCH_APP, env);
  try {
    const server = await startNext(build.dir, env);
    try {
      const results = await measureHttp(fx, {
        name: 'Next',
        variants: NEXT_VARIANTS,
        url: (variant) => `${server.origin}${ROUTES[variant]}`,
        cpu: async () => ((await (await fetch(`${server.origin}/api/cpu`)).json()) as { cpu: NodeJS.CpuUsage }).cpu,
      });
      return httpTable(`Next ${BENCH_APP.version} (\`next build\` + \`next start\`, Node runtime, App Router route handlers; \`withAuth(handler, { logtoUrl, audience })\`), repeat workload.`, results, NEXT_VARIANTS, 'no auth (ceiling)');
    } finally {
      await server.stop();
    }
  } finally {
    build.remove();
  }
}

interface NextServer {
  origin: string;
  stop(): Promise<void>;
}

/** `next start` of a built copy on 127.0.0.1 and a free port, resolved once /api/none answers. */
async function startNext(dir: string, env: Record<string, string>): Promise<NextServer> {
  const port = await freePort();
  const nextBin = join(dir, 'node_modules/next/dist/bin/next');
  const child = spawn(process.execPath, ['--import', WATCHDOG, nextBin, 'start', dir, '-H', '127.0.0.1', '-p', String(port)], {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', ...env },
    detached: true, // its own process group, so stop() ends next and any worker it forks
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-KEPT_OUTPUT_CHARS));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  // the bench ending any way but SIGKILL (which the watchdog covers) stops the server
  process.once('exit', kill);
  const stop = async () => {
    process.off('exit', kill);
    if (child.exitCode === null && child.signalCode === null) kill();
    await exited;
  };
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    try {
      await fetch(`${origin}${ROUTES['no auth (ceiling)']}`, { signal: AbortSignal.timeout(5_000) });
      return { origin, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`next start did not answer within ${READY_TIMEOUT_MS} ms:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const fx = await setUp(HTTP_ALGORITHMS, 1);
  try {
    console.log((await runNextHttp(fx)).join('\n'));
  } finally {
    await fx.server.close();
  }
}
