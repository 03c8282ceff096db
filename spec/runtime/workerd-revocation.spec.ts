// The revocation list on workerd (Cloudflare Workers' runtime, through
// miniflare), over upstashStore against a loopback server that speaks
// Upstash's REST protocol in front of a real redis-server. No timer runs
// between requests on Workers, so how old the list's copy is depends on the
// isolate's traffic: fail-closed is judged at the check, and the recipe
// (`await revocation.syncIfOlderThan(maxStalenessMs)`) bounds staleness by a
// number the app sets. Revocations are made from this process, as another
// instance of the fleet would.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { createClient } from 'redis';
import { createRevocationList } from '../../lib/revocation/revocation-list.ts';
import { upstashStore } from '../../lib/stores/upstash.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';
import type { JwksServer } from '../helpers/jwks-server.ts';
import { AUDIENCE, ensureBuilt, FIXTURES, startTokenFixture, type RuntimeInput } from './support.ts';

const { compatibilityDate } = createRequire(import.meta.url)('workerd') as { compatibilityDate: string };
const TOKEN = 'AXXXupstash-rest-token-for-workers';
/** The staleness bound the recipe is given in these specs, in ms. */
const MAX_STALENESS_MS = 300;

let redis: RedisServer;
let client: ReturnType<typeof createClient>;
let upstash: LoopbackServer;
let server: JwksServer;
let input: RuntimeInput;
let script: string;
// the emulator's knobs: answers held until the gate opens, or a 503 for every command
let gate: Promise<void> | undefined;
let down = false;
let feeds = 0;

before(async () => {
  ensureBuilt();
  ({ server, input } = await startTokenFixture());
  redis = await startRedisServer();
  client = createClient({ url: redis.url });
  client.on('error', () => undefined);
  await client.connect();
  upstash = await serveOnLoopback((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      const reply = (status: number, json: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      await gate;
      if (down) return reply(503, { error: 'ERR service unavailable' });
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return reply(401, { error: 'Unauthorized' });
      try {
        reply(200, { result: await client.sendCommand((JSON.parse(body) as unknown[]).map(String)) });
      } catch (error) {
        reply(400, { error: (error as Error).message });
      }
    });
  });
  const bundle = await build({ entryPoints: [join(FIXTURES, 'revocation-worker.mjs')], bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', write: false, logLevel: 'warning' });
  script = bundle.outputFiles[0]!.text;
});
after(async () => {
  await upstash?.close();
  client?.destroy();
  await redis?.stop();
  server?.close();
});

/** A fresh feed (so each test starts clean), a list in this process to revoke through it, and a new isolate that reads it. */
async function setup(failClosedMs: number) {
  const feed = `workers-${++feeds}`;
  gate = undefined;
  down = false;
  const fleet = createRevocationList({ store: upstashStore({ url: upstash.url, token: TOKEN }), feed, syncIntervalMs: 0, subscribe: false });
  await fleet.ready();
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate,
    bindings: { LOGTO_URL: input.logtoUrl, AUDIENCE, UPSTASH_URL: upstash.url, UPSTASH_TOKEN: TOKEN, FEED: feed, FAIL_CLOSED_MS: String(failClosedMs), MAX_STALENESS_MS: String(MAX_STALENESS_MS) },
  });
  const call = async (path: '/recipe' | '/legacy') => {
    const response = await mf.dispatchFetch(`http://worker.test${path}`, { headers: { authorization: `Bearer ${input.tokens.valid}` } });
    return { status: response.status, body: (await response.json()) as { userId?: string; code?: string } };
  };
  const close = async () => {
    await fleet.close();
    await mf.dispose();
  };
  return { fleet, call, close };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("refuses with 503 on a new isolate's first request while its first read is in flight, revoked user or not", async () => {
  const { fleet, call, close } = await setup(60_000);
  try {
    await fleet.revokeUser('user_123');
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve)); // the isolate's first read is still on its way when the check runs
    try {
      assert.deepEqual(await call('/legacy'), { status: 503, body: { code: 'REVOCATION_UNAVAILABLE' } });
    } finally {
      open();
    }
  } finally {
    await close();
  }
});

test("with the recipe, a new isolate's first request waits for its first read and refuses a revoked user", async () => {
  const { fleet, call, close } = await setup(60_000);
  try {
    await fleet.revokeUser('user_123');
    assert.deepEqual(await call('/recipe'), { status: 401, body: { code: 'TOKEN_REVOKED' } });
  } finally {
    await close();
  }
});

test('with the recipe, a revocation made while the isolate was idle is refused once the copy is older than maxStalenessMs', async (t) => {
  const { fleet, call, close } = await setup(60_000);
  try {
    assert.deepEqual(await call('/recipe'), { status: 200, body: { userId: 'user_123' } });
    await fleet.revokeUser('user_123');
    await sleep(MAX_STALENESS_MS + 50);
    assert.deepEqual(await call('/recipe'), { status: 401, body: { code: 'TOKEN_REVOKED' } });
    // what the bound means in practice: from a revocation to the first refusal, requests every 20 ms
    const delays: number[] = [];
    for (let trial = 0; trial < 5; trial++) {
      const other = await setup(60_000);
      try {
        assert.equal((await other.call('/recipe')).status, 200);
        await sleep(trial * 60); // revocations land at different points of the isolate's window
        const revokedAt = Date.now();
        await other.fleet.revokeUser('user_123');
        while ((await other.call('/recipe')).status === 200) await sleep(20);
        delays.push(Date.now() - revokedAt);
      } finally {
        await other.close();
      }
    }
    t.diagnostic(`maxStalenessMs ${MAX_STALENESS_MS}: revocation to first refusal ${delays.join(', ')} ms`);
  } finally {
    await close();
  }
});

test('refuses with 503 on an isolate idle past failClosedAfterMs whose store does not answer, before its background read fails', async () => {
  const { call, close } = await setup(500);
  try {
    assert.deepEqual(await call('/recipe'), { status: 200, body: { userId: 'user_123' } });
    down = true;
    await sleep(600);
    assert.deepEqual(await call('/legacy'), { status: 503, body: { code: 'REVOCATION_UNAVAILABLE' } });
    down = false;
    assert.deepEqual(await call('/recipe'), { status: 200, body: { userId: 'user_123' } });
  } finally {
    await close();
  }
});
