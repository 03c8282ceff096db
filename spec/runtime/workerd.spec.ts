// The built package on workerd (Cloudflare Workers' runtime) through
// miniflare: bundled into one ESM worker by esbuild, fetching the JWKS from a
// loopback server (miniflare's outbound network allows private addresses,
// loopback included).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { assertChecks, AUDIENCE, ensureBuilt, FIXTURES, startTokenFixture, type CheckResult, type RuntimeInput } from './support.ts';
import type { JwksServer } from '../helpers/jwks-server.ts';

// the workerd binary's version and the newest compatibility date it knows
const { version: workerdVersion, compatibilityDate: latestCompatibilityDate } = createRequire(import.meta.url)('workerd') as { version: string; compatibilityDate: string };
// fetch() takes RequestInit's `cache` member from this date on (the
// cache_option_enabled flag); before it, workerd throws on `cache`
const CACHE_OPTION_DATE = '2024-11-11';
const BEFORE_CACHE_OPTION_DATE = '2024-09-23';
/** The JWKS answers this late, so the first request has returned while its fetch is still pending. */
const SLOW_JWKS_MS = 300;
/** Far above the ~0.5 s the requests take; a request stranded on another's fetch never answers. */
const CONCURRENT_DEADLINE_MS = 10_000;

let server: JwksServer;
let input: RuntimeInput;
let script: string;

before(async () => {
  ensureBuilt();
  ({ server, input } = await startTokenFixture());
  const bundle = await build({ entryPoints: [join(FIXTURES, 'worker.mjs')], bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', write: false, logLevel: 'warning' });
  script = bundle.outputFiles[0]!.text;
});
after(() => server?.close());

function startWorker(compatibilityDate: string): Miniflare {
  return new Miniflare({ modules: true, script, compatibilityDate, bindings: { LOGTO_URL: input.logtoUrl, AUDIENCE } });
}

async function runChecksIn(mf: Miniflare): Promise<CheckResult> {
  const response = await mf.dispatchFetch('http://worker.test/checks', { method: 'POST', body: JSON.stringify(input) });
  const body = (await response.json()) as CheckResult & { error?: string };
  assert.equal(response.status, 200, body.error);
  return body;
}

for (const compatibilityDate of [latestCompatibilityDate, BEFORE_CACHE_OPTION_DATE]) {
  const note = compatibilityDate < CACHE_OPTION_DATE ? ', whose fetch refuses the cache option' : '';
  test(`verifies an ES384 Logto token on workerd ${workerdVersion} with compatibility date ${compatibilityDate}${note}`, async (t) => {
    const mf = startWorker(compatibilityDate);
    try {
      t.diagnostic(`workerd ${workerdVersion}, compatibility date ${compatibilityDate}`);
      // the Workers-only path in lib/jwks-cache.ts keys off this exact value
      assert.deepEqual(await (await mf.dispatchFetch('http://worker.test/runtime')).json(), { userAgent: 'Cloudflare-Workers' });
      assertChecks(await runChecksIn(mf));
    } finally {
      await mf.dispose();
    }
  });
}

// Workers cancel the I/O of a request once its handler has returned, so a
// request that awaited that request's JWKS fetch would wait forever (jose
// issues #355 and #509). Here the first request returns before the slow JWKS
// answers; the 8 after it must each fetch for themselves and all succeed.
test('answers 8 concurrent requests on a cold JWKS cache on workerd after the request that started the fetch has returned', async (t) => {
  const jwks = JSON.stringify({ keys: (await (await fetch(server.jwksUri)).json()).keys });
  server.setHandler((_req, res) => {
    setTimeout(() => res.setHeader('content-type', 'application/json').end(jwks), SLOW_JWKS_MS);
  });
  const mf = startWorker(latestCompatibilityDate);
  try {
    const headers = { authorization: `Bearer ${input.tokens.valid}` };
    const hitsBefore = server.hits();
    assert.equal((await mf.dispatchFetch('http://worker.test/abandon', { headers })).status, 202);
    const requests = Array.from({ length: 8 }, async () => {
      const response = await mf.dispatchFetch('http://worker.test/api', { headers });
      return { status: response.status, body: await response.json() };
    });
    const results = await withDeadline(Promise.all(requests), CONCURRENT_DEADLINE_MS, 'the 8 concurrent requests');
    t.diagnostic(`JWKS requests: ${server.hits() - hitsBefore}`);
    assert.deepEqual(results, Array(8).fill({ status: 200, body: { userId: 'user_123', isAuthenticated: true } }));
  } finally {
    server.setHandler(undefined);
    await mf.dispose();
  }
});

/** Rejects when `promise` has not settled within `ms`, so a stranded request fails the test instead of hanging it. */
function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
