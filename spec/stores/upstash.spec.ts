// lib/stores/upstash.ts against a loopback server that speaks Upstash's REST
// protocol (POST a JSON command array to the root, Authorization: Bearer
// <token>, reply { result } or 400 { error }) in front of a real redis-server.
// https://upstash.com/docs/redis/features/restapi
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { upstashStore } from '../../lib/stores/upstash.ts';
import { createRevocationList } from '../../lib/revocation/revocation-list.ts';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { AuthEvent } from '../../lib/events.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';

const TOKEN = 'AXXXupstash-rest-token-for-tests';
let redis: RedisServer;
let client: ReturnType<typeof createClient>;
let upstash: LoopbackServer;
let requests = 0;

before(async () => {
  redis = await startRedisServer();
  client = createClient({ url: redis.url });
  client.on('error', () => undefined);
  await client.connect();
  upstash = await serveOnLoopback((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      requests++;
      const reply = (status: number, json: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return reply(401, { error: 'Unauthorized' });
      if (req.method !== 'POST' || req.url !== '/') return reply(404, { error: 'not found' });
      let command: unknown;
      try {
        command = JSON.parse(body);
      } catch {
        return reply(400, { error: 'ERR failed to parse command' });
      }
      if (!Array.isArray(command) || !command.every((part) => typeof part === 'string' || typeof part === 'number')) return reply(400, { error: 'ERR failed to parse command' });
      try {
        reply(200, { result: await client.sendCommand(command.map(String)) });
      } catch (error) {
        reply(400, { error: (error as Error).message });
      }
    });
  });
});
after(async () => {
  await upstash?.close();
  client?.destroy();
  await redis?.stop();
});

const store = (extra: Partial<Parameters<typeof upstashStore>[0]> = {}) => upstashStore({ url: upstash.url, token: TOKEN, prefix: 'upstash-spec:', ...extra });

describe('upstashStore', () => {
  test('sets, gets and deletes through REST, landing in Redis under its prefix', async () => {
    const s = store();
    const before = requests;
    await s.set('k', 'v', 60_000);
    assert.equal(await s.get('k'), 'v');
    assert.equal(await client.get('upstash-spec:k'), 'v');
    await s.delete('k');
    assert.equal(await s.get('k'), undefined);
    assert.equal(requests - before, 4, 'one POST per command');
  });

  test('sets a key if absent for exactly one of 10 concurrent callers', async () => {
    const s = store();
    const results = await Promise.all(Array.from({ length: 10 }, () => s.setIfAbsent('once', '1', 60_000)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  test('appends to and reads the feed (Lua scripts through EVAL), with no push', async () => {
    const feed = store().feed!;
    assert.equal(feed.subscribe, undefined);
    await feed.append('f', 'a', 60_000);
    const page = await feed.read('f', 0);
    assert.deepEqual(page.entries, ['a']);
    assert.deepEqual((await feed.read('f', page.cursor)).entries, []);
  });

  test('carries revocations between two lists by polling', async () => {
    const a = createRevocationList({ store: store(), syncIntervalMs: 0 });
    const b = createRevocationList({ store: store(), syncIntervalMs: 0 });
    try {
      await b.ready();
      await a.revokeUser('user_1');
      assert.equal(b.isRevoked({ sub: 'user_1', iat: 1 }), false);
      await b.sync();
      assert.equal(b.isRevoked({ sub: 'user_1', iat: 1 }), true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('rejects with the HTTP status, never the token', async () => {
    const wrong = store({ token: 'wrong-token' });
    await assert.rejects(wrong.get('k'), { message: 'upstash answered GET with HTTP 401' });
    await assert.rejects(store().feed!.read('f', Number.NaN), /HTTP 400/);
  });

  test('keeps only the Redis error code of an error text that echoes the request, its values and its token', async () => {
    const echoing: typeof fetch = async (_input, init) => {
      const echo = `ERR unknown command, with args beginning with: ${String(init?.body)} (authorization: ${new Headers(init?.headers).get('authorization')})`;
      return Response.json({ error: echo }, { status: 400 });
    };
    const s = store({ fetch: echoing });
    await assert.rejects(s.set('k', 'secret-value', 1000), { message: 'upstash answered SET with HTTP 400 (ERR)' });
    const events: AuthEvent[] = [];
    const list = createRevocationList({ store: s, syncIntervalMs: 0, onEvent: (event) => events.push(event) });
    await list.sync();
    await list.close();
    assert.deepEqual(events, [{ type: 'store-error', operation: 'revocation-sync', error: 'upstash answered EVAL with HTTP 400 (ERR)' }]);
    assert.ok(!JSON.stringify(events).includes(TOKEN));
  });

  test('aborts a command that timed out, leaving no socket open', async () => {
    // sockets that carry a request left unanswered (fetch may also keep idle pool connections, which carry none)
    const open = new Set<Socket>();
    let requestsSeen = 0;
    const hanging = createServer((req) => {
      requestsSeen++;
      open.add(req.socket);
      req.socket.on('close', () => open.delete(req.socket));
    }); // never answers
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const s = upstashStore({ url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`, token: TOKEN, timeoutMs: 100 });
      const commands = Array.from({ length: 5 }, (_, i) => assert.rejects(s.get(`k${i}`), { message: 'the store did not answer GET within 100 ms' }));
      await Promise.all(commands);
      for (let waited = 0; open.size > 0 && waited < 2000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(open.size, 0, 'every timed-out request closed its socket');
      assert.ok(requestsSeen >= 5);
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  test('uses the fetch it is given', async () => {
    let calls = 0;
    const s = store({ fetch: (input, init) => (calls++, fetch(input, init)) });
    await s.get('k');
    assert.equal(calls, 1);
  });

  test('refuses a missing url or token with a TypeError', () => {
    assert.throws(() => upstashStore({ url: 'redis://x', token: TOKEN }), TypeError);
    assert.throws(() => upstashStore({ url: upstash.url, token: '' }), TypeError);
  });
});
