// Builds and serves the example Next.js app (examples/next) from the repository
// root's node_modules, on 127.0.0.1, for the end-to-end spec.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const APP_DIR = join(ROOT, 'examples/next');
const NEXT_BIN = join(ROOT, 'node_modules/next/dist/bin/next');
const READY_TIMEOUT_MS = 60_000;
/** Lines of output kept to explain a failed build or start. */
const KEPT_OUTPUT_CHARS = 8_000;

export const nextVersion: string = JSON.parse(readFileSync(join(ROOT, 'node_modules/next/package.json'), 'utf8')).version;

/** Builds dist/ when it is missing or older than lib/ (a no-op after `npm test`'s pretest). */
export async function buildLibrary(): Promise<void> {
  await run(process.execPath, ['build.mjs', '--if-stale'], process.env);
  if (!existsSync(join(ROOT, 'dist/adapters/next.js'))) throw new Error('node build.mjs did not write dist/adapters/next.js');
}

/** `next build examples/next` with `env` (route modules are loaded, and their options checked, at build time). */
export async function buildNextApp(env: Record<string, string>): Promise<void> {
  await run(process.execPath, [NEXT_BIN, 'build', APP_DIR], nextEnv(env));
}

export interface NextServer {
  origin: string;
  stop(): Promise<void>;
}

/** `next start` on 127.0.0.1 and a free port, resolved once it answers HTTP. */
export async function startNextApp(env: Record<string, string>): Promise<NextServer> {
  // the data cache lives on disk across runs; start each run with it empty
  rmSync(join(APP_DIR, '.next/cache/fetch-cache'), { recursive: true, force: true });
  const port = await freePort();
  const child = spawn(process.execPath, [NEXT_BIN, 'start', APP_DIR, '-H', '127.0.0.1', '-p', String(port)], {
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
      await fetch(`${origin}/api/profile`, { signal: AbortSignal.timeout(5_000) });
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
