// The README's Koa and Hapi quick starts, run as written through the built
// package against the embedded Logto-shaped issuer: only the tenant URL is
// swapped for the issuer's, the port for a free one, and the server exported
// so the spec can stop it. (Express, Hono, Fastify and Next have specs of their
// own; NestJS's needs Nest's decorator build, which nestjs.e2e runs for its guide.)
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DOCS_AUDIENCE, DOCS_LOGTO_URL, writeSnippet } from '../helpers/docs-snippet.ts';
import { startLogtoIssuer, type LogtoIssuer } from '../helpers/logto-issuer.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

/** The first ```ts block under `## <heading>` in README.md. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  assert.notEqual(start, -1, `README.md has a "## ${heading}" section`);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  assert.ok(match, `the "## ${heading}" section has a ts block`);
  const lines = match[1]!.trimEnd().split('\n').length;
  assert.ok(lines >= 5 && lines <= 12, `the ${heading} quick start is ${lines} lines`);
  return match[1]!;
}

let logto: LogtoIssuer;
const bearer = async (scope: string) => ({ authorization: `Bearer ${await logto.getToken({ scope })}` });

before(async () => {
  logto = await startLogtoIssuer({ audience: DOCS_AUDIENCE, scopes: ['read:data', 'delete:items'] });
});
after(async () => {
  await logto?.close();
});

/** What each quick start promises: the user for a token, 401 without one, 403 on the delete without its scope, 204 with it. */
async function checkQuickStart(url: string): Promise<void> {
  const ok = await fetch(`${url}/api/me`, { headers: await bearer('read:data') });
  assert.deepEqual([ok.status, await ok.json()], [200, { user: logto.clientId }]);
  const missing = await fetch(`${url}/api/me`);
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
  const scoped = await fetch(`${url}/api/items/1`, { method: 'DELETE', headers: await bearer('read:data') });
  assert.equal(scoped.status, 403);
  assert.match(scoped.headers.get('www-authenticate')!, /^Bearer error="insufficient_scope", .*scope="delete:items"/);
  assert.equal((await fetch(`${url}/api/items/1`, { method: 'DELETE', headers: await bearer('delete:items') })).status, 204);
}

describe("the README's Koa quick start", () => {
  let server: Server | undefined;
  let remove = () => {};

  before(async () => {
    const snippet = readmeBlock('Koa');
    const last = 'app.use(router.routes()).listen(3000);';
    assert.ok(snippet.includes(last) && snippet.includes(DOCS_LOGTO_URL));
    const written = writeSnippet(snippet.replace(last, "export const server = app.use(router.routes()).listen(0, '127.0.0.1');"), logto.logtoUrl, 'readme-koa');
    remove = written.remove;
    server = ((await import(pathToFileURL(written.file).href)) as { server: Server }).server;
    if (!server.listening) await new Promise((done) => server!.once('listening', done));
  });
  after(async () => {
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
    remove();
  });

  test('runs as written: the user for a token, 401 without one, the delete guarded by its scope', async () => {
    await checkQuickStart(`http://127.0.0.1:${(server!.address() as { port: number }).port}`);
  });
});

describe("the README's Hapi quick start", () => {
  let server: { info: { port: number | string }; stop(): Promise<void> } | undefined;
  let remove = () => {};

  before(async () => {
    const snippet = readmeBlock('Hapi');
    assert.ok(snippet.includes('Hapi.server({ port: 3000 })') && snippet.includes(DOCS_LOGTO_URL));
    const written = writeSnippet(snippet.replace('Hapi.server({ port: 3000 })', "Hapi.server({ port: 0, host: '127.0.0.1' })"), logto.logtoUrl, 'readme-hapi', '\nexport { server };\n');
    remove = written.remove;
    server = ((await import(pathToFileURL(written.file).href)) as { server: typeof server }).server;
  });
  after(async () => {
    await server?.stop();
    remove();
  });

  test("runs as written: the user for a token, 401 without one, the delete guarded by Hapi's access.scope", async () => {
    await checkQuickStart(`http://127.0.0.1:${server!.info.port}`);
  });
});
