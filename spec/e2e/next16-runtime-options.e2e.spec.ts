// Build once, deploy many: examples/next16-runtime-options gives withAuth its
// options as a function. `next build` runs with neither LOGTO_URL nor
// LOGTO_AUDIENCE set (it loads the route module, where literal options would
// throw), then `next start` with them serves real tokens from the Logto-shaped
// issuer over HTTP; started without them, the route answers 500, never 200.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startLogtoIssuer, type LogtoIssuer } from '../helpers/logto-issuer.ts';
import { buildLibrary, buildNextApp, NEXT16_APP, ROOT, startNextApp, type NextApp, type NextBuild, type NextServer } from '../helpers/next-app.ts';

const BUILD_TIMEOUT_MS = 300_000;
const APP: NextApp = { ...NEXT16_APP, dir: join(ROOT, 'examples/next16-runtime-options') };

let logto: LogtoIssuer;
let build: NextBuild | undefined;
let configured: NextServer | undefined;

before(
  async () => {
    // the build must not see the variables, whatever the shell running the suite has
    delete process.env.LOGTO_URL;
    delete process.env.LOGTO_AUDIENCE;
    logto = await startLogtoIssuer();
    await buildLibrary();
    build = await buildNextApp(APP, {}); // rejects (and fails every test) if next build needs the variables
    configured = await startNextApp(build, { LOGTO_URL: logto.logtoUrl, LOGTO_AUDIENCE: logto.audience });
  },
  { timeout: BUILD_TIMEOUT_MS },
);

after(async () => {
  await configured?.stop();
  build?.remove();
  await logto?.close();
});

const get = (server: NextServer, headers: Record<string, string> = {}) => fetch(`${server.origin}/api/profile`, { headers });
const bearer = async (scope?: string) => ({ authorization: `Bearer ${await logto.getToken(scope === undefined ? {} : { scope })}` });

test('next start with the variables answers 200 for a real token with the scope', async () => {
  const response = await get(configured!, await bearer());
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { userId: logto.clientId });
});

test('next start with the variables answers 401 TOKEN_MISSING with a bare Bearer challenge without a token', async () => {
  const response = await get(configured!);
  assert.equal(response.status, 401);
  assert.equal(response.headers.get('www-authenticate'), 'Bearer');
  assert.equal((await response.json()).error, 'TOKEN_MISSING');
});

test('next start with the variables answers 403 SCOPE_MISSING for a token without the scope', async () => {
  const response = await get(configured!, await bearer('write:data'));
  assert.equal(response.status, 403);
  assert.equal((await response.json()).error, 'SCOPE_MISSING');
});

test('next start without the variables answers 500 to a valid token, never 200', { timeout: 120_000 }, async () => {
  const bare = await startNextApp(build!, {});
  try {
    const response = await get(bare, await bearer());
    assert.equal(response.status, 500);
    assert.doesNotMatch(await response.text(), /eyJ/);
  } finally {
    await bare.stop();
  }
});
