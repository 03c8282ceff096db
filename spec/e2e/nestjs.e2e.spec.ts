// The NestJS adapter in a Nest CLI-style app (spec/e2e/fixtures/nest-app,
// built with tsc and the tsconfig `nest new` writes), run as a real process on
// Express and on Fastify, driven over HTTP with real access tokens from the
// embedded Logto-shaped issuer: what is Nest's own (@Public, controller and
// handler requirements together, the token kind, @Auth, @UseGuards with the
// guard not global), and the docs' quick start built and run as written. The
// shared answers (every status, body and header) are in the conformance table.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DOCS_AUDIENCE, DOCS_LOGTO_URL, docsBlocks } from '../helpers/docs-snippet.ts';
import { startLogtoIssuer, type LogtoIssuer } from '../helpers/logto-issuer.ts';
import { fixtureFiles, startNestApp, type NestAppProcess, type NestPlatform } from '../helpers/nest-app.ts';

let logto: LogtoIssuer;
const bearer = async (scope?: string) => ({ authorization: `Bearer ${await logto.getToken(scope === undefined ? {} : { scope })}` });

before(async () => {
  logto = await startLogtoIssuer({ audience: DOCS_AUDIENCE, scopes: ['read:data', 'write:data', 'delete:items'] });
});
after(async () => {
  await logto?.close();
});

for (const platform of ['express', 'fastify'] as NestPlatform[]) {
  describe(`LogtoAuthGuard on Nest's ${platform} platform`, () => {
    let global: NestAppProcess;
    let perController: NestAppProcess;
    let url: string;

    before(async () => {
      const base = { logtoUrl: logto.logtoUrl, audience: logto.audience };
      global = await startNestApp(platform, { base, guest: { ...base, allowGuest: true } });
      perController = await startNestApp(platform, { base }, { env: { GLOBAL_GUARD: 'false' } });
      url = global.urls.base!;
    });
    after(async () => {
      await global?.close();
      await perController?.close();
    });

    test('lets a @Public() route through without a token, and guards every other route (APP_GUARD)', async () => {
      const health = await fetch(`${url}/health`);
      assert.deepEqual([health.status, await health.json()], [200, { ok: true }]);
      const me = await fetch(`${url}/api/me`);
      assert.equal(me.status, 401);
      assert.equal(me.headers.get('www-authenticate'), 'Bearer');
      assert.deepEqual(await me.json(), { error: 'TOKEN_MISSING', message: 'no access token in the cookie or the Authorization header' });
    });

    test("injects a field of the context with @Auth('userId')", async () => {
      const me = await fetch(`${url}/api/me`, { headers: await bearer() });
      assert.deepEqual([me.status, await me.json()], [200, { user: logto.clientId }]);
    });

    test("holds the controller's requirement and the handler's together", async () => {
      const read = await fetch(`${url}/items/7`, { headers: await bearer('read:data') });
      assert.deepEqual([read.status, await read.json()], [200, { id: '7', owner: logto.clientId }]);
      const noRead = await fetch(`${url}/items/7`, { headers: await bearer('write:data delete:items') });
      assert.equal(noRead.status, 403);
      assert.match(noRead.headers.get('www-authenticate')!, /^Bearer error="insufficient_scope", error_description="[^"]+", scope="read:data"$/);
      const noDelete = await fetch(`${url}/items/7`, { method: 'DELETE', headers: await bearer('read:data') });
      assert.equal(noDelete.status, 403);
      assert.deepEqual(await noDelete.json(), { error: 'SCOPE_MISSING', message: 'the token lacks the required scope delete:items' });
      const both = await fetch(`${url}/items/7`, { method: 'DELETE', headers: await bearer('read:data delete:items') });
      assert.equal(both.status, 204);
    });

    test('tells a machine token (sub equals client_id) from a user token', async () => {
      const machine = await fetch(`${url}/g/machine`, { headers: await bearer() });
      assert.equal(machine.status, 200);
      const usersOnly = await fetch(`${url}/per-controller/users-only`, { headers: await bearer() });
      assert.equal(usersOnly.status, 403);
      assert.deepEqual(await usersOnly.json(), { error: 'TOKEN_TYPE_NOT_ACCEPTED', message: 'this route does not accept machine-to-machine tokens' });
    });

    test('gives a new guest the context and the guest cookie', async () => {
      const response = await fetch(`${global.urls.guest}/api/data`);
      const guest = await response.json();
      assert.equal(guest.isGuest, true);
      assert.deepEqual(response.headers.getSetCookie(), [`guest_logto_authtoken=${guest.guestId}; Path=/; HttpOnly; SameSite=Lax`]);
    });

    test('with globalGuard: false, guards only what @UseGuards(LogtoAuthGuard) names, built by Nest from the metadata', async () => {
      const open = await fetch(`${perController.urls.base}/api/data`);
      assert.deepEqual([open.status, await open.json()], [200, { auth: null }]);
      const guarded = await fetch(`${perController.urls.base}/per-controller/me`);
      assert.equal(guarded.status, 401);
      const allowed = await fetch(`${perController.urls.base}/per-controller/me`, { headers: await bearer() });
      assert.deepEqual([allowed.status, await allowed.json()], [200, { user: logto.clientId }]);
    });
  });
}

describe("the docs' NestJS quick start", () => {
  let app: NestAppProcess;

  before(async () => {
    // the docs' two files in a project like the fixture's (its tsconfig and package.json), with a main.ts that prints its URL
    // built as written (the placeholder tenant included, so the build is kept between runs); only the
    // compiled module gets the test issuer's URL
    const fixture = fixtureFiles();
    const [module, controller] = docsBlocks('frameworks/nestjs.md');
    assert.ok(module!.includes('LogtoAuthModule.forRoot(') && controller!.includes('class ItemsController'), 'the quick start is a module and a controller');
    const files = {
      'package.json': fixture['package.json']!,
      'tsconfig.json': fixture['tsconfig.json']!,
      'src/app.module.ts': module!,
      'src/items.controller.ts': controller!,
      'src/main.ts': fixture['src/main.ts']!.replaceAll('AppModule.register(options)', 'AppModule'),
    };
    app = await startNestApp('express', { quickStart: { logtoUrl: logto.logtoUrl, audience: logto.audience } }, { files, rewrite: { file: 'dist/app.module.js', from: DOCS_LOGTO_URL, to: logto.logtoUrl } });
  });
  after(async () => {
    await app?.close();
  });

  test('builds with tsc and runs as written: the user for a valid token, 401 without one, 403 without the scope, the public route open', async () => {
    const url = app.urls.quickStart!;
    const ok = await fetch(`${url}/api/me`, { headers: await bearer() });
    assert.deepEqual([ok.status, await ok.json()], [200, { user: logto.clientId }]);
    assert.equal((await fetch(`${url}/api/me`)).status, 401);
    const scoped = await fetch(`${url}/api/items/1`, { method: 'DELETE', headers: await bearer('read:data') });
    assert.equal(scoped.status, 403);
    assert.match(scoped.headers.get('www-authenticate')!, /^Bearer error="insufficient_scope", error_description="[^"]+", scope="delete:items"$/);
    assert.equal((await fetch(`${url}/api/items/1`, { method: 'DELETE', headers: await bearer('delete:items') })).status, 204);
    assert.equal((await fetch(`${url}/health`)).status, 200);
  });
});
