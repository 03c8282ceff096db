// Same-process regression bench: this working tree's dist/ against the build of
// another git ref (default HEAD~1, the previous commit on main's first-parent
// line), both loaded into this one process and measured in interleaved slices,
// so load on a shared machine hits both alike. Prints new/old per workload with
// its spread over the slices (a ratio above 1 is a slowdown).
//   npm run bench:compare                 # against HEAD~1
//   npm run bench:compare -- 46244be      # against any ref
//   npm run bench:compare -- ../other     # against a folder holding a package.json and a built dist/
// The ref is exported with `git archive` into .bench-compare/<commit>/ (kept, so
// a second run does not build again) and built there with its own build.mjs and
// this tree's node_modules. Old builds may lack an entry point or an adapter:
// each workload is looked up in the package's own "exports" and skipped when absent.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, request, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeKey, mint } from '../spec/helpers/keys.ts';
import { startJwksServer } from '../spec/helpers/jwks-server.ts';
import { AUDIENCE, machine, REPEAT_TOKENS, UNIQUE_TOKENS } from './fixtures.ts';

const SLICES = Number(process.env.COMPARE_SLICES ?? 20);
const SLICE_MS = Number(process.env.COMPARE_SLICE_MS ?? 150);
const ROOT = resolve(import.meta.dirname, '..');

type Op = (i: number) => Promise<unknown>;
interface Build {
  label: string;
  dir: string;
  entry: (subpath: string) => Promise<Record<string, any> | undefined>;
}

/** Exports `ref` into .bench-compare/<commit>/ and builds it there (once per commit); a folder with a built dist/ is taken as it is. */
function buildRef(ref: string): string {
  if (existsSync(join(ref, 'dist', 'index.js')) && existsSync(join(ref, 'package.json'))) return resolve(ref);
  let commit: string;
  try {
    commit = execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`bench:compare: "${ref}" is neither a git ref of this repository nor a folder with a built dist/`);
  }
  const dir = join(ROOT, '.bench-compare', commit);
  if (existsSync(join(dir, 'dist', '.stamp'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive "${commit}" | tar -x -C "${dir}"`], { cwd: ROOT, stdio: 'inherit' });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  process.stderr.write(`building ${ref} (${commit.slice(0, 7)}) in ${dir}\n`);
  execFileSync(process.execPath, ['build.mjs'], { cwd: dir, stdio: 'inherit' });
  return dir;
}

// an entry point through the package's own "exports" map, as a user's import would resolve it
function loader(dir: string, label: string): Build {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return {
    label,
    dir,
    entry: async (subpath) => {
      const target = pkg.exports?.[subpath]?.import;
      const file = typeof target === 'string' ? target : target?.default;
      return file ? import(pathToFileURL(join(dir, file)).href) : undefined;
    },
  };
}

/** Interleaved slices: each build runs `SLICE_MS` in turn (order alternating), `SLICES` times. Returns new/old per slice pair. */
async function compare(ops: [Op, Op], inFlight: number): Promise<{ ratios: number[]; costs: [number[], number[]] }> {
  const cursors = [0, 0];
  const run = async (which: 0 | 1, ms: number) => {
    const op = ops[which];
    let done = 0;
    let stop = false;
    const start = performance.now();
    const end = start + ms;
    const worker = async () => {
      while (!stop) {
        await op(cursors[which]!++);
        if ((++done & 15) === 0 && performance.now() >= end) stop = true;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    return (performance.now() - start) / done; // ms per op
  };
  await run(0, SLICE_MS); // warm-up, untimed
  await run(1, SLICE_MS);
  const ratios: number[] = [];
  const costs: [number[], number[]] = [[], []];
  for (let s = 0; s < SLICES; s++) {
    const order: (0 | 1)[] = s % 2 ? [1, 0] : [0, 1];
    for (const which of order) costs[which].push(await run(which, SLICE_MS));
    ratios.push(costs[0][s]! / costs[1][s]!); // new cost over old cost
  }
  return { ratios, costs };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function summary({ ratios, costs }: { ratios: number[]; costs: [number[], number[]] }): string {
  const sorted = [...ratios].sort((a, b) => a - b);
  const µs = (values: number[]) => (median(values) * 1000).toFixed(2);
  const q1 = sorted[Math.floor(sorted.length / 4)]!;
  const q3 = sorted[Math.ceil((sorted.length * 3) / 4) - 1]!;
  return `${median(ratios).toFixed(3)}x  (middle half ${q1.toFixed(2)}-${q3.toFixed(2)}, all ${sorted[0]!.toFixed(2)}-${sorted.at(-1)!.toFixed(2)}, ${ratios.length} slices; median µs per op new ${µs(costs[0])}, old ${µs(costs[1])})`;
}

async function main(): Promise<void> {
  const ref = process.argv[2] ?? process.env.COMPARE_REF ?? 'HEAD~1';
  // COMPARE_NEW: another ref or folder in place of this tree (to price one step between two builds)
  const newer = process.env.COMPARE_NEW;
  const builds: [Build, Build] = [newer ? loader(buildRef(newer), newer) : loader(ROOT, 'this tree'), loader(buildRef(ref), ref)];
  const [index0, index1] = await Promise.all(builds.map((b) => b.entry('.')));

  const key = await makeKey('ES384', 'compare-es384');
  const server = await startJwksServer([key.publicJwk]);
  const mintMany = async (count: number) => {
    const tokens: string[] = [];
    while (tokens.length < count) {
      const batch = Math.min(64, count - tokens.length);
      tokens.push(...(await Promise.all(Array.from({ length: batch }, (_, i) => mint(key, { iss: server.issuer, aud: AUDIENCE, claims: { sub: `user_${tokens.length + i}` } })))));
    }
    return tokens;
  };
  const repeat = await mintMany(REPEAT_TOKENS);
  const unique = await mintMany(UNIQUE_TOKENS);
  const options = () => ({ logtoUrl: server.logtoUrl, audience: AUDIENCE }); // one object per build, the defaults
  const o0 = options();
  const o1 = options();
  const http = await startHttp(builds, [o0, o1]);

  console.log(`# bench:compare  new = ${builds[0].label}, old = ${ref}; ratio = new cost / old cost (below 1: faster)`);
  console.log(`${await machine()}`);
  console.log(`ES384, default options { logtoUrl, audience }, ${SLICES} interleaved slices of ${SLICE_MS} ms per build\n`);
  const rows: [string, [Op, Op] | undefined, number][] = [
    ['cache hit, awaited (20 tokens cycled)', [(i) => index0!.verifyLogtoToken(repeat[i % REPEAT_TOKENS], o0), (i) => index1!.verifyLogtoToken(repeat[i % REPEAT_TOKENS], o1)], 1],
    [`first verification (${UNIQUE_TOKENS} distinct tokens cycled)`, [(i) => index0!.verifyLogtoToken(unique[i % UNIQUE_TOKENS], o0), (i) => index1!.verifyLogtoToken(unique[i % UNIQUE_TOKENS], o1)], 1],
    ['verifyAuth on { headers } with a Bearer token, cache hit', [(i) => index0!.verifyAuth({ headers: { authorization: `Bearer ${repeat[i % REPEAT_TOKENS]}` } }, o0), (i) => index1!.verifyAuth({ headers: { authorization: `Bearer ${repeat[i % REPEAT_TOKENS]}` } }, o1)], 1],
    ['Express adapter over HTTP (keep-alive, 8 in flight, client in this process)', http && [(i) => http.get(0, repeat[i % REPEAT_TOKENS]!), (i) => http.get(1, repeat[i % REPEAT_TOKENS]!)], 8],
  ];
  const only = process.env.COMPARE_ONLY; // a substring of a row's name, to run that row alone
  for (const [name, ops, inFlight] of rows) {
    if (only && !name.includes(only)) continue;
    if (!ops) {
      console.log(`${name.padEnd(76)} skipped: one build has no such entry point`);
      continue;
    }
    // both accept before anything is timed (and the cache admits on a second sight)
    for (const op of ops) for (let i = 0; i < 2 * REPEAT_TOKENS; i++) await op(i);
    console.log(`${name.padEnd(76)} ${summary(await compare(ops, inFlight))}`);
  }
  await http?.stop();
  await server.close();
}

// One in-process HTTP server with one Express route per build (the same app, so
// what differs is only the middleware); a keep-alive client asks it.
async function startHttp(builds: [Build, Build], options: [object, object]) {
  const adapters = await Promise.all(builds.map((b) => b.entry('./express')));
  if (!adapters.every((a) => typeof a?.createExpressAuthMiddleware === 'function')) return undefined;
  const { default: express } = await import('express');
  const app = express();
  const answer = (req: any, res: any) => res.json({ ok: true, sub: req.auth?.userId ?? null });
  adapters.forEach((adapter, i) => app.get(`/b${i}`, adapter!.createExpressAuthMiddleware(options[i]), answer));
  const server = createServer(app as unknown as (req: IncomingMessage, res: ServerResponse) => void);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const get = (which: number, token: string) =>
    new Promise<void>((done, fail) => {
      const req = request({ host: '127.0.0.1', port, path: `/b${which}`, agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? done() : fail(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', fail);
      req.end();
    });
  const stop = () => {
    agent.destroy();
    server.closeAllConnections();
    return new Promise<void>((done) => server.close(() => done()));
  };
  return { get, stop };
}

await main();
