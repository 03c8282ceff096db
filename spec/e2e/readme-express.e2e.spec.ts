// The README's Express quick start, run as written through the built package
// (`logto-authkit/express` resolves through the exports map to dist/): only
// the tenant URL is swapped for the embedded issuer's, and the app is exported
// so the spec can listen on it.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type express from 'express';
import { startLogtoIssuer, type LogtoIssuer } from '../helpers/logto-issuer.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README_LOGTO_URL = 'https://your-tenant.logto.app';
const README_AUDIENCE = 'https://api.example.com';

/** The first ```ts block under a README heading. */
export function readmeBlock(heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(match, `no ts block under ${heading}`);
  return match[1]!;
}

let logto: LogtoIssuer;
let server: LoopbackServer;
const dir = join(ROOT, 'tmp', `readme-express-${process.pid}`);

before(async () => {
  logto = await startLogtoIssuer({ audience: README_AUDIENCE });
  const snippet = readmeBlock('## Express');
  assert.ok(snippet.includes(README_LOGTO_URL), 'the quick start names the placeholder tenant');
  const lines = snippet.trim().split('\n').filter((line) => line.trim() !== '');
  assert.ok(lines.length >= 3 && lines.length <= 10, `the quick start is ${lines.length} lines`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'app.ts');
  writeFileSync(file, `${snippet.replace(README_LOGTO_URL, logto.logtoUrl)}\nexport { app };\n`);
  const { app } = (await import(pathToFileURL(file).href)) as { app: express.Express };
  server = await serveOnLoopback(app);
});
after(async () => {
  await server?.close();
  await logto?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the README Express quick start answers a real token with its user, and no token with 401', async () => {
  const ok = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${await logto.getToken()}` } });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { user: logto.clientId });
  const refused = await fetch(`${server.url}/api/me`);
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get('www-authenticate'), 'Bearer');
  assert.deepEqual(await refused.json(), { error: 'TOKEN_MISSING', message: 'no access token in the cookie or the Authorization header' });
});
