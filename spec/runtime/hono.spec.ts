// The built package's Hono adapter in a real Hono app (fixtures/hono-app.mjs)
// on Bun, Deno and workerd (through Miniflare), each listening on 127.0.0.1
// and driven over real HTTP against a loopback JWKS.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { errorAnswer } from '../../lib/adapters/http-answer.ts';
import { AuthError } from '../../lib/errors.ts';
import { startHonoWorker, WORKERD_COMPATIBILITY_DATE } from '../helpers/hono.ts';
import type { JwksServer } from '../helpers/jwks-server.ts';
import type { LoopbackServer } from '../helpers/loopback.ts';
import { FIXTURES, ROOT, startTokenFixture, versionOf, type RuntimeInput } from './support.ts';

const DIST_HONO = join(ROOT, 'dist', 'adapters', 'hono.js');
const HONO = join(ROOT, 'node_modules', 'hono', 'dist', 'index.js');
const bun = join(ROOT, 'node_modules', '.bin', 'bun');
const deno = join(ROOT, 'node_modules', '.bin', 'deno');
const denoDir = join(ROOT, 'node_modules', '.cache', 'deno');
/** A child that has not said where it listens within this is killed, so the suite always ends. */
const LISTEN_TIMEOUT_MS = 60_000;
const GUEST_ID = '0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let server: JwksServer;
let input: RuntimeInput;

before(async () => {
  if (!existsSync(DIST_HONO)) execFileSync(process.execPath, ['build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  mkdirSync(denoDir, { recursive: true });
  ({ server, input } = await startTokenFixture());
});
after(() => server?.close());

/**
 * Starts fixtures/hono-serve.mjs under `command` and resolves once it prints
 * where it listens. A failure reports the command's name, exit status and
 * stderr only: argv and env, which may hold tokens, are never echoed.
 */
function serveChild(command: string, args: string[], extraEnv: Record<string, string>): Promise<LoopbackServer & { runtime: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv, AUTHKIT_RUNTIME_INPUT: JSON.stringify({ logtoUrl: input.logtoUrl, audience: input.audience }) };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((done) => child.once('close', () => done()));
    const close = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    };
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), LISTEN_TIMEOUT_MS);
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const line = stdout.split('\n').find((text) => text.startsWith('{'));
      if (line === undefined || !stdout.includes('\n')) return;
      clearTimeout(timer);
      const { url, runtime } = JSON.parse(line) as { url: string; runtime: string };
      resolve({ url, runtime, close });
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${basename(command)} could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${basename(command)} exited with ${signal ?? code}: ${stderr.trim() || stdout.trim()}`));
    });
  });
}

/** The checks every runtime must pass, over HTTP against `url`. */
function httpChecks(app: () => LoopbackServer) {
  const get = (path: string, headers: Record<string, string> = {}) => fetch(app().url + path, { headers });

  test('answers 200 with the context for a valid ES384 token', async () => {
    const response = await get('/me', { authorization: `Bearer ${input.tokens.valid}` });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { userId: 'user_123', isAuthenticated: true });
  });

  test('answers 401 TOKEN_MISSING with the one HTTP answer when no token is sent', async () => {
    const response = await get('/me');
    const expected = errorAnswer(new AuthError('TOKEN_MISSING', 'no access token in the cookie or the Authorization header'));
    assert.equal(response.status, expected.status);
    for (const [name, value] of Object.entries(expected.headers)) assert.equal(response.headers.get(name), value, name);
    assert.equal(await response.text(), expected.body);
  });

  test('answers 401 invalid_token for a tampered and for an expired token', async () => {
    for (const [token, code] of [
      [input.tokens.tampered, 'SIGNATURE_INVALID'],
      [input.tokens.expired, 'TOKEN_EXPIRED'],
    ] as const) {
      const response = await get('/me', { authorization: `Bearer ${token}` });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate')!, /^Bearer error="invalid_token", error_description="[^"]+"$/);
      assert.equal((await response.json()).error, code);
    }
  });

  test('sets the guest cookie for a new guest, and none for a returning one', async () => {
    const first = await get('/guest');
    const guest = await first.json();
    assert.equal(guest.isGuest, true);
    assert.match(guest.guestId, UUID);
    assert.deepEqual(first.headers.getSetCookie(), [`guest_logto_authtoken=${guest.guestId}; Path=/; HttpOnly; SameSite=Lax`]);
    const again = await get('/guest', { cookie: `guest_logto_authtoken=${GUEST_ID}` });
    assert.deepEqual(await again.json(), { userId: null, isAuthenticated: false, isGuest: true, guestId: GUEST_ID });
    assert.deepEqual(again.headers.getSetCookie(), []);
  });

  test('lets a CORS preflight through unauthenticated', async () => {
    const response = await fetch(`${app().url}/me`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { userId: null, isAuthenticated: false });
  });
}

describe(`Hono on Bun ${versionOf(bun)}`, () => {
  let app: LoopbackServer & { runtime: string };
  // the package's own name: 'logto-authkit/hono' resolves to dist/ by the exports map
  before(async () => (app = await serveChild(bun, ['run', '--no-install', join(FIXTURES, 'hono-serve.mjs'), 'hono', 'logto-authkit/hono'], { DO_NOT_TRACK: '1' })));
  after(() => app?.close());
  httpChecks(() => app);
});

describe(`Hono on Deno ${versionOf(deno).split(' ')[1]}`, () => {
  let app: LoopbackServer & { runtime: string };
  // imported by path, with no network beyond loopback and no npm, remote or config resolution
  const args = [
    'run',
    '--no-config',
    '--no-lock',
    '--no-npm',
    '--no-remote',
    '--allow-net=127.0.0.1',
    `--allow-read=${ROOT}`,
    '--allow-env=AUTHKIT_RUNTIME_INPUT',
    join(FIXTURES, 'hono-serve.mjs'),
    pathToFileURL(HONO).href,
    pathToFileURL(DIST_HONO).href,
  ];
  before(async () => (app = await serveChild(deno, args, { DENO_NO_UPDATE_CHECK: '1', DENO_DIR: denoDir, NO_COLOR: '1' })));
  after(() => app?.close());
  httpChecks(() => app);
});

describe(`Hono on workerd (Miniflare, compatibility date ${WORKERD_COMPATIBILITY_DATE})`, () => {
  let app: LoopbackServer;
  before(async () => (app = await startHonoWorker(join(FIXTURES, 'hono-worker.mjs'), { LOGTO_URL: input.logtoUrl, AUDIENCE: input.audience })));
  after(() => app?.close());
  httpChecks(() => app);
});
