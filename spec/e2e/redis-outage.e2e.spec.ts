// Redis killed (SIGKILL) and restarted under load. An Express app keeps
// answering from the last known revocation list: a revoked user stays refused,
// others pass, nothing crashes, and the outage shows as store-error events.
// A second route whose list fails closed after 1 s answers 503 during the
// outage. After the restart (Redis comes back empty: no persistence), a new
// revocation reaches the app again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import express from 'express';
import { createClient } from 'redis';
import IORedis from 'ioredis';
import { createExpressAuthMiddleware } from '../../lib/adapters/express.ts';
import { createRevocationList } from '../../lib/revocation/revocation-list.ts';
import { redisStore } from '../../lib/stores/redis.ts';
import type { AuthEvent } from '../../lib/events.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint, type TestKey } from '../helpers/keys.ts';
import { serveOnLoopback } from '../helpers/loopback.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';

const AUDIENCE = 'https://api.outage.test';
const SYNC_INTERVAL_MS = 200;
const COMMAND_TIMEOUT_MS = 300;
const FAIL_CLOSED_AFTER_MS = 1000;
/** Longest wait for a condition (a reconnect, a refusal) before the test fails: generous, CI machines are shared. */
const DEADLINE_MS = 20_000;

let redis: RedisServer;
let jwks: JwksServer;
let key: TestKey;

before(async () => {
  redis = await startRedisServer();
  key = await makeKey('ES256', 'outage-key');
  jwks = await startJwksServer([key.publicJwk]);
});
after(async () => {
  await jwks?.close();
  await redis?.stop();
});

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('answers every request from the last known list while Redis is down, reports the outage, and catches up after a restart', async (t) => {
  // the app: node-redis; the revoking admin tool: ioredis
  const appClient = createClient({ url: redis.url });
  appClient.on('error', () => undefined);
  await appClient.connect();
  const adminClient = new IORedis(redis.url, { maxRetriesPerRequest: 1 });
  adminClient.on('error', () => undefined);
  const events: AuthEvent[] = [];
  const store = redisStore(appClient, { timeoutMs: COMMAND_TIMEOUT_MS });
  const list = createRevocationList({ store, syncIntervalMs: SYNC_INTERVAL_MS, onEvent: (event) => events.push(event) });
  const strictList = createRevocationList({ store, syncIntervalMs: SYNC_INTERVAL_MS, failClosedAfterMs: FAIL_CLOSED_AFTER_MS });
  const admin = createRevocationList({ store: redisStore(adminClient, { timeoutMs: COMMAND_TIMEOUT_MS }), syncIntervalMs: SYNC_INTERVAL_MS });

  const app = express();
  const base = { logtoUrl: jwks.logtoUrl, audience: AUDIENCE };
  app.get('/open', createExpressAuthMiddleware({ ...base, revocation: list }), (_req, res) => void res.json({ ok: true }));
  app.get('/strict', createExpressAuthMiddleware({ ...base, revocation: strictList }), (_req, res) => void res.json({ ok: true }));
  const http = await serveOnLoopback(app);

  const tokenFor = (sub: string) => mint(key, { iss: jwks.issuer, aud: AUDIENCE, claims: { sub, iat: Math.floor(Date.now() / 1000) - 5 } });
  const [revokedToken, goodToken, laterToken] = await Promise.all([tokenFor('user_revoked'), tokenFor('user_good'), tokenFor('user_later')]);
  const status = async (path: string, token: string) => {
    const response = await fetch(`${http.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { error?: string };
    return `${response.status}${body.error ? ` ${body.error}` : ''}`;
  };

  // load: two requests at a time on the open route, the whole time; a pair
  // counts once it was sent after the revocation had reached the app (before
  // that, the user is not revoked yet and a 200 is the right answer)
  const tally = new Map<string, number>();
  let loading = true;
  let revocationSeen = false;
  const load = (async () => {
    while (loading) {
      const counted = revocationSeen;
      const [revoked, good] = await Promise.all([status('/open', revokedToken), status('/open', goodToken)]);
      if (!counted) continue;
      tally.set(`revoked ${revoked}`, (tally.get(`revoked ${revoked}`) ?? 0) + 1);
      tally.set(`good ${good}`, (tally.get(`good ${good}`) ?? 0) + 1);
    }
  })();

  try {
    await Promise.all([list.ready(), strictList.ready(), admin.ready()]);
    await admin.revokeUser('user_revoked');
    await until(async () => (await status('/strict', revokedToken)) === '401 TOKEN_REVOKED', 'the revocation to reach the app');
    await until(async () => (await status('/open', revokedToken)) === '401 TOKEN_REVOKED', 'the revocation to reach the open route');
    revocationSeen = true;

    await redis.kill();
    await until(() => events.filter((event) => event.type === 'store-error').length >= 3, 'three store-error events');
    assert.equal(await status('/open', revokedToken), '401 TOKEN_REVOKED', 'the last known list keeps applying');
    assert.equal(await status('/open', goodToken), '200');
    await until(async () => (await status('/strict', goodToken)) === '503 REVOCATION_UNAVAILABLE', 'the strict route to fail closed');

    await redis.restart();
    // the admin tool retries until its client has reconnected, as a webhook delivery would be retried
    await until(async () => admin.revokeUser('user_later').then(() => true, () => false), 'the admin client to reconnect');
    await until(async () => (await status('/open', laterToken)) === '401 TOKEN_REVOKED', 'a revocation after the restart to reach the app');
    assert.equal(await status('/open', revokedToken), '401 TOKEN_REVOKED', 'what was revoked before the restart stays revoked');
    await until(async () => (await status('/strict', goodToken)) === '200', 'the strict route to open again');
  } finally {
    loading = false;
    await load;
    await Promise.all([list.close(), strictList.close(), admin.close()]);
    await http.close();
    appClient.destroy();
    adminClient.disconnect();
  }

  const storeErrors = events.filter((event) => event.type === 'store-error');
  t.diagnostic(`requests under load: ${JSON.stringify(Object.fromEntries(tally))}; store-error events: ${storeErrors.length} (${[...new Set(storeErrors.map((event) => event.type === 'store-error' && event.operation))].join(', ')})`);
  assert.deepEqual([...tally.keys()].sort(), ['good 200', 'revoked 401 TOKEN_REVOKED'], 'every request under load got the right answer');
  assert.ok(storeErrors.every((event) => event.type === 'store-error' && !event.error.includes(revokedToken.split('.')[2]!)));
});
