// The walk-through of docs/testing.md ("Try it without a tenant"), run as a
// newcomer would: start `logto-authkit issuer`, run the guide's `server.mjs`
// (read from the guide itself) with the env lines the issuer printed, mint
// tokens with `logto-authkit token`, and get a 200, a 401 and a 403. Then the issuer stops on
// SIGINT and SIGTERM, writes no key unless asked, and its mint endpoint
// answers loopback command-line clients only.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

const CLI = resolve('dist/cli.js');
const run = promisify(execFile);

interface RunningIssuer {
  child: ChildProcessWithoutNullStreams;
  logtoUrl: string;
  audience: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** `logto-authkit issuer --port 0 ...`, resolved once it prints its env lines. */
function startIssuer(args: string[] = [], cwd = process.cwd()): Promise<RunningIssuer> {
  const child = spawn(process.execPath, [CLI, 'issuer', '--port', '0', ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`the issuer printed no LOGTO_URL: ${stdout}`)), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const logtoUrl = /^LOGTO_URL=(.+)$/m.exec(stdout)?.[1];
      const audience = /^LOGTO_AUDIENCE=(.+)$/m.exec(stdout)?.[1];
      if (logtoUrl && audience) {
        clearTimeout(timer);
        resolveStart({ child, logtoUrl, audience, output: () => stdout, exited });
      }
    });
    child.once('exit', () => reject(new Error(`the issuer exited: ${stdout}`)));
  });
}

async function token(issuer: RunningIssuer, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, 'token', '--logto-url', issuer.logtoUrl, ...args]);
  return stdout.trim();
}

const GUIDE = readFileSync('docs/testing.md', 'utf8');

/** The guide's `server.mjs`, started with the issuer's env lines; resolves with its URL. */
function startGuideServer(issuer: RunningIssuer, dir: string): Promise<{ url: string; child: ChildProcessWithoutNullStreams }> {
  const source = /A route to protect \(`server\.mjs`\):\n\n```js\n([\s\S]*?)```/.exec(GUIDE)?.[1];
  assert.ok(source, 'docs/testing.md has no server.mjs block');
  // inside the repository, so `logto-authkit` resolves to this package as it would from node_modules
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'server.mjs'), source);
  const child = spawn(process.execPath, ['server.mjs'], { cwd: dir, env: { ...process.env, LOGTO_URL: issuer.logtoUrl, LOGTO_AUDIENCE: issuer.audience, PORT: '0' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((done, fail) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      if (url) done({ url, child });
    });
    child.once('exit', () => fail(new Error(`server.mjs exited: ${stdout}${stderr}`)));
  });
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));

describe('from the CLI issuer to a 200, a 401 and a 403', () => {
  let issuer: RunningIssuer;
  let app: { url: string; child: ChildProcessWithoutNullStreams };
  const workdir = mkdtempSync(join(tmpdir(), 'authkit-walkthrough-'));
  const appDir = resolve('tmp', `walkthrough-${process.pid}`);

  before(async () => {
    issuer = await startIssuer([], workdir);
    app = await startGuideServer(issuer, appDir);
  });
  after(async () => {
    if (app) {
      const stopped = new Promise((done) => app.child.once('exit', done));
      app.child.kill('SIGTERM');
      await stopped;
    }
    if (issuer && issuer.child.exitCode === null) issuer.child.kill('SIGTERM');
    await issuer?.exited;
    rmSync(workdir, { recursive: true, force: true });
    rmSync(appDir, { recursive: true, force: true });
    // tmp/ itself only when nothing else is in it
    try {
      rmdirSync(resolve('tmp'));
    } catch {}
  });

  test('prints its logtoUrl on 127.0.0.1 and the env lines, as the guide shows them', () => {
    assert.match(issuer.logtoUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(issuer.audience, 'https://api.example.test');
    const shown = /It prints its address and the lines to give your app:\n\n```text\n([\s\S]*?)```/.exec(GUIDE)?.[1];
    assert.ok(shown, 'docs/testing.md does not show what the issuer prints');
    const port = new URL(issuer.logtoUrl).port;
    for (const line of shown.trim().split('\n')) assert.ok(issuer.output().includes(line.replaceAll(':3401', `:${port}`)), `the issuer does not print: ${line}`);
  });

  test('a token with the scope gets 200', async () => {
    const jwt = await token(issuer, '--scope', 'read:data', '--sub', 'alice');
    const response = await fetch(`${app.url}/api/data`, { headers: { authorization: `Bearer ${jwt}` } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { userId: 'alice' });
  });

  test('token finds the issuer through $LOGTO_URL, as the printed env line sets it', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'token', '--scope', 'read:data'], { env: { ...process.env, LOGTO_URL: issuer.logtoUrl } });
    const response = await fetch(`${app.url}/api/data`, { headers: { authorization: `Bearer ${stdout.trim()}` } });
    assert.equal(response.status, 200);
  });

  test('no token gets 401 with a bare Bearer challenge', async () => {
    const response = await fetch(`${app.url}/api/data`);
    assert.equal(response.status, 401);
    assert.equal((await response.json()).error, 'TOKEN_MISSING');
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
  });

  test('a token without the scope gets 403 insufficient_scope', async () => {
    const jwt = await token(issuer, '--scope', 'write:data');
    const response = await fetch(`${app.url}/api/data`, { headers: { authorization: `Bearer ${jwt}` } });
    assert.equal(response.status, 403);
    assert.equal((await response.json()).error, 'SCOPE_MISSING');
    assert.match(response.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
  });

  test('--machine mints a client-credentials token (sub = client_id), --organization an organization token', async () => {
    const machine = claimsOf(await token(issuer, '--machine', '--sub', 'my-m2m-app', '--scope', 'read:data'));
    assert.equal(machine.sub, 'my-m2m-app');
    assert.equal(machine.client_id, 'my-m2m-app');
    const organization = claimsOf(await token(issuer, '--organization', 'org1', '--scope', 'read:org'));
    assert.equal(organization.aud, 'urn:logto:organization:org1');
    assert.equal(organization.organization_id, undefined);
    const organizationApi = claimsOf(await token(issuer, '--organization', 'org1', '--audience', issuer.audience));
    assert.equal(organizationApi.aud, issuer.audience);
    assert.equal(organizationApi.organization_id, 'org1');
    assert.equal('scope' in organizationApi, false);
  });

  test('the mint endpoint refuses a browser request (Origin) and a foreign Host', async () => {
    const body = JSON.stringify({ scope: ['read:data'] });
    const fromPage = await fetch(`${issuer.logtoUrl}/__authkit/token`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body });
    assert.equal(fromPage.status, 403);
    assert.deepEqual(await fromPage.json(), { error: 'no_browser_requests' });
    // fetch may not set Host: a DNS-rebound page's request, written by hand
    const rebound = await new Promise<number>((done, fail) => {
      const request = httpRequest(`${issuer.logtoUrl}/__authkit/token`, { method: 'POST', headers: { 'content-type': 'application/json', host: 'evil.example' } }, (response) => {
        response.resume();
        done(response.statusCode ?? 0);
      });
      request.once('error', fail);
      request.end(body);
    });
    assert.equal(rebound, 403);
    const simple = await fetch(`${issuer.logtoUrl}/__authkit/token`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    assert.equal(simple.status, 415);
  });

  test('stops cleanly on SIGINT (Ctrl-C) with exit code 0, having written nothing to disk', async () => {
    issuer.child.kill('SIGINT');
    assert.equal(await issuer.exited, 0);
    assert.match(issuer.output(), /issuer stopped/);
    assert.deepEqual(readdirSync(workdir), []);
    await assert.rejects(token(issuer, '--scope', 'read:data'), (error: { code: number; stderr: string }) => error.code === 1 && /no local issuer answers/.test(error.stderr));
  });
});

test('--keys-file keeps the keys (0600) and the next start signs with the same key; SIGTERM stops it', async () => {
  const workdir = mkdtempSync(join(tmpdir(), 'authkit-keys-'));
  try {
    const first = await startIssuer(['--keys-file', 'keys.json'], workdir);
    const kid = JSON.parse(Buffer.from((await token(first, '--scope', 'a')).split('.')[0]!, 'base64url').toString('utf8')).kid;
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    const file = join(workdir, 'keys.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).keys[0].kid, kid);
    const second = await startIssuer(['--keys-file', 'keys.json'], workdir);
    const again = JSON.parse(Buffer.from((await token(second, '--scope', 'a')).split('.')[0]!, 'base64url').toString('utf8')).kid;
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
    assert.equal(again, kid);
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
});

test('a usage mistake exits 2 before anything listens', async () => {
  await assert.rejects(run(process.execPath, [CLI, 'issuer', '--port', 'nope']), (error: { code: number }) => error.code === 2);
  await assert.rejects(run(process.execPath, [CLI, 'token', '--expires-in', '-5']), (error: { code: number }) => error.code === 2);
});
