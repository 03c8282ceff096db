// The README's "Try it in two minutes, without a tenant", run as a newcomer
// would: `logto-authkit issuer`, the README's `server.mjs` (read from the README
// itself), tokens from `logto-authkit token`, and the three curl lines' answers
// (200, 401, 403). Only the ports are swapped for free ones: the issuer's
// default port and the server's 3000 may be taken on a shared machine.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { DEFAULT_ISSUER_PORT } from '../../bin/issuer.ts';

const CLI = resolve('dist/cli.js');
const run = promisify(execFile);
const README = readFileSync('README.md', 'utf8');
const TRYOUT = README.slice(README.indexOf('\n## Try it in two minutes'), README.indexOf('\n## ', README.indexOf('\n## Try it in two minutes') + 1));

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
    probe.once('error', fail);
  });
}

/** Spawns a node process and resolves once its stdout matches `ready`. */
function startUntil(args: string[], ready: RegExp, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ child: ChildProcessWithoutNullStreams; output: () => string }> {
  const child = spawn(process.execPath, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${args.join(' ')} printed nothing ready: ${stdout}${stderr}`)), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (ready.test(stdout)) {
        clearTimeout(timer);
        done({ child, output: () => stdout });
      }
    });
    child.once('exit', () => fail(new Error(`${args.join(' ')} exited: ${stdout}${stderr}`)));
  });
}

async function stop(child: ChildProcessWithoutNullStreams | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

describe("the README's try-out, from the CLI issuer to a 200, a 401 and a 403", () => {
  let issuer: { child: ChildProcessWithoutNullStreams; output: () => string } | undefined;
  let server: { child: ChildProcessWithoutNullStreams; output: () => string } | undefined;
  let logtoUrl = '';
  let api = '';
  const dir = resolve('tmp', `readme-tryout-${process.pid}`);
  const token = async (...args: string[]) => (await run(process.execPath, [CLI, 'token', ...args], { env: { ...process.env, LOGTO_URL: logtoUrl } })).stdout.trim();

  before(async () => {
    issuer = await startUntil([CLI, 'issuer', '--port', '0'], /^LOGTO_AUDIENCE=.+$/m);
    logtoUrl = /^LOGTO_URL=(.+)$/m.exec(issuer.output())![1]!;
    const source = /save a route as `server\.mjs`:\n\n```js\n([\s\S]*?)```/.exec(TRYOUT)?.[1];
    assert.ok(source, 'the README try-out has a server.mjs block');
    const defaultUrl = `http://127.0.0.1:${DEFAULT_ISSUER_PORT}`;
    assert.ok(source.includes(`'${defaultUrl}'`), 'server.mjs trusts the issuer at its default address');
    const port = await freePort();
    // inside the repository, so `logto-authkit/express` resolves to this package as it would from node_modules
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'server.mjs'), source.replace(`'${defaultUrl}'`, `'${logtoUrl}'`).replaceAll('3000', String(port)));
    server = await startUntil(['server.mjs'], /listening on http:\/\/127\.0\.0\.1:\d+/, { cwd: dir });
    api = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await stop(server?.child);
    await stop(issuer?.child);
    rmSync(dir, { recursive: true, force: true });
  });

  test('the issuer prints the LOGTO_URL and LOGTO_AUDIENCE the README names', () => {
    const shown = /npx logto-authkit issuer +# prints LOGTO_URL=(\S+) and LOGTO_AUDIENCE=(\S+)/.exec(TRYOUT);
    assert.ok(shown, 'the README says what the issuer prints');
    assert.equal(shown[1], `http://127.0.0.1:${DEFAULT_ISSUER_PORT}`);
    assert.match(issuer!.output(), new RegExp(`^LOGTO_AUDIENCE=${shown[2]!.replaceAll('.', '\\.')}$`, 'm'));
    assert.match(logtoUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('a token with the scope gets 200 with its user', async () => {
    assert.match(TRYOUT, /TOKEN=\$\(npx logto-authkit token --scope read:data --sub alice\)\n.*# 200 \{"userId":"alice"\}/);
    const response = await fetch(`${api}/api/data`, { headers: { authorization: `Bearer ${await token('--scope', 'read:data', '--sub', 'alice')}` } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { userId: 'alice' });
  });

  test('no token gets 401 TOKEN_MISSING', async () => {
    assert.match(TRYOUT, /curl -i http:\/\/127\.0\.0\.1:3000\/api\/data +# 401 TOKEN_MISSING/);
    const response = await fetch(`${api}/api/data`);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await response.json()).error, 'TOKEN_MISSING');
  });

  test('a token without the scope gets 403 SCOPE_MISSING', async () => {
    assert.match(TRYOUT, /\$\(npx logto-authkit token --scope write:data\)[\s\S]*?# 403 SCOPE_MISSING/);
    const response = await fetch(`${api}/api/data`, { headers: { authorization: `Bearer ${await token('--scope', 'write:data')}` } });
    assert.equal(response.status, 403);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer error="insufficient_scope"/);
    assert.equal((await response.json()).error, 'SCOPE_MISSING');
  });
});
