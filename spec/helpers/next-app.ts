// Builds and serves the example Next.js apps on 127.0.0.1 for the end-to-end
// specs: examples/next on Next 15 (the repository's `next`) and examples/next16
// on Next 16 (the repository's `next16` alias). Both import `logto-authkit/next`
// by package self-reference, so they run against dist/ as an installed copy would.
// Each run builds a copy of the app in tmp/ (ignored by git), so two test runs
// at once never build into one .next folder, and next build never rewrites a
// tracked file (next-env.d.ts, tsconfig.json).
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const READY_TIMEOUT_MS = 60_000;
/** Characters of output kept to explain a failed build or start. */
const KEPT_OUTPUT_CHARS = 8_000;

/** One example app and the Next.js major it runs on. */
export interface NextApp {
  /** The app folder, e.g. examples/next16. */
  dir: string;
  /** The installed Next.js package the app runs on. */
  nextDir: string;
  /** Its version, from its package.json. */
  version: string;
}

/** examples/next on Next 15 (node_modules/next). */
export const NEXT15_APP: NextApp = app('examples/next', 'node_modules/next');
/** examples/next16 on Next 16 (node_modules/next16, the `next16` alias). */
export const NEXT16_APP: NextApp = app('examples/next16', 'node_modules/next16');

function app(dir: string, nextDir: string): NextApp {
  const version: string = JSON.parse(readFileSync(join(ROOT, nextDir, 'package.json'), 'utf8')).version;
  return { dir: join(ROOT, dir), nextDir: join(ROOT, nextDir), version };
}

/** Builds dist/ when it is missing or older than lib/ (a no-op after `npm test`'s pretest). */
export async function buildLibrary(): Promise<void> {
  await run(process.execPath, ['build.mjs', '--if-stale'], process.env);
  if (!existsSync(join(ROOT, 'dist/adapters/next.js'))) throw new Error('node build.mjs did not write dist/adapters/next.js');
}

/** A copy of an example app for one test run: built, started and removed by that run alone. */
export interface NextBuild {
  app: NextApp;
  /** tmp/<app>-<pid>, inside the repository so `logto-authkit` still resolves to it by self-reference. */
  dir: string;
  /** Removes the copy and its build. */
  remove(): void;
}

/**
 * Copies the app's sources (not .next, not node_modules) to tmp/ and makes
 * `next` resolve to the app's Next.js major inside the copy. Next 15 is the
 * root's `node_modules/next`: nothing to do. For Next 16, the copy gets its
 * own node_modules/next, a tree of hard links to node_modules/next16 (no disk
 * copy). A symlink is not enough: Next 16 and Turbopack resolve it to its real
 * path, node_modules/next16, where `require('next/...')` finds Next 15 and
 * Turbopack's import rewriting expects a folder named `next`.
 */
export function copyNextApp(app: NextApp): NextBuild {
  const dir = join(ROOT, 'tmp', `${basename(app.dir)}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(app.dir, dir, { recursive: true, filter: (source) => !/[\\/](\.next|node_modules)$/.test(source) });
  if (!isRootNext(app)) linkTree(app.nextDir, join(dir, 'node_modules/next'));
  return { app, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const destination = join(to, entry.name);
    if (entry.isDirectory()) linkTree(source, destination);
    else {
      try {
        linkSync(source, destination);
      } catch {
        copyFileSync(source, destination); // another file system: a copy does the same
      }
    }
  }
}

/** `next build` of a copy of the app with `env` (route modules are loaded, and their options checked, at build time). */
export async function buildNextApp(app: NextApp, env: Record<string, string>): Promise<NextBuild> {
  const build = copyNextApp(app);
  try {
    await run(process.execPath, [nextBin(build), 'build', build.dir], nextEnv(env));
    return build;
  } catch (error) {
    build.remove();
    throw error;
  }
}

export interface NextServer {
  origin: string;
  stop(): Promise<void>;
}

/** `next start` on 127.0.0.1 and a free port, resolved once `readyPath` answers HTTP. */
export async function startNextApp(build: NextBuild, env: Record<string, string>, readyPath = '/api/profile'): Promise<NextServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [nextBin(build), 'start', build.dir, '-H', '127.0.0.1', '-p', String(port)], {
    cwd: ROOT,
    env: nextEnv(env),
    detached: true, // its own process group, so stop() ends next and any worker it forks
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await exited;
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output()}`);
    try {
      await fetch(`${origin}${readyPath}`, { signal: AbortSignal.timeout(5_000) });
      return { origin, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`next start did not answer within ${READY_TIMEOUT_MS} ms:\n${output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * Type-checks the app with the repository's tsc, overriding its tsconfig's
 * `strict` (after `next build`, which wrote the route types it includes).
 * Rejects with tsc's output on an error.
 */
export async function typecheckNextApp(build: NextBuild, strict: boolean): Promise<void> {
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', join(build.dir, 'tsconfig.json'), '--noEmit', '--incremental', 'false', '--strict', String(strict)], process.env);
}

function isRootNext(target: NextApp): boolean {
  return target.nextDir === join(ROOT, 'node_modules/next');
}

// Next 16 runs from the copy's own node_modules/next, so every `next/...` inside resolves to it
function nextBin(build: NextBuild): string {
  return join(isRootNext(build.app) ? build.app.nextDir : join(build.dir, 'node_modules/next'), 'dist/bin/next');
}

function nextEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', ...env };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collect(child);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.slice(0, 2).join(' ')} exited with ${code}:\n${output()}`))));
  });
}

function collect(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer) => void (text = (text + chunk.toString()).slice(-KEPT_OUTPUT_CHARS));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text;
}

/** A free loopback port, for a server that must be told its port up front (`next start -p`). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
