// The Express middleware driven directly with a minimal req, res and next: the
// calls it makes to next, counted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createExpressAuthMiddleware, type ExpressResponseLike } from '../../lib/adapters/express.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint, type TestKey } from '../helpers/keys.ts';

const AUDIENCE = 'https://api.example.test';
let jwks: JwksServer;
let key: TestKey;

before(async () => {
  key = await makeKey('ES256', 'express-next');
  jwks = await startJwksServer([key.publicJwk]);
});
after(() => jwks.close());

function response(): ExpressResponseLike & { ended: boolean } {
  const headers = new Map<string, string | string[]>();
  return {
    statusCode: 200,
    ended: false,
    setHeader: (name, value) => headers.set(name.toLowerCase(), value),
    getHeader: (name) => headers.get(name.toLowerCase()),
    end() {
      this.ended = true;
    },
  };
}

describe('createExpressAuthMiddleware', () => {
  // with `.then(onSuccess).catch(next)`, an error thrown by next() inside the
  // success callback reached .catch and next ran a second time, with that error
  test('calls next exactly once when next itself throws, and never again with the error', { timeout: 30_000 }, async () => {
    const middleware = createExpressAuthMiddleware({ logtoUrl: jwks.logtoUrl, audience: AUDIENCE });
    const req = { headers: { authorization: `Bearer ${await mint(key, { iss: jwks.issuer, aud: AUDIENCE })}` } };
    const thrown = new Error('thrown by the next handler');
    const calls: unknown[][] = [];
    // the error next threw is not swallowed: it surfaces as an unhandled rejection,
    // as from any async middleware. node:test fails a test on one, so its own
    // listeners step aside while this test watches for it.
    const runnerListeners = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    const surfaced: unknown[] = [];
    let onSurfaced: () => void = () => {};
    const hasSurfaced = new Promise<void>((resolve) => (onSurfaced = resolve));
    process.on('unhandledRejection', (reason) => {
      surfaced.push(reason);
      onSurfaced();
    });
    try {
      middleware(req, response(), (...args: unknown[]) => {
        calls.push(args);
        throw thrown;
      });
      // until the rejection has surfaced, then one more turn: a second call would come from a later callback
      await hasSurfaced;
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.removeAllListeners('unhandledRejection');
      for (const listener of runnerListeners) process.on('unhandledRejection', listener);
    }
    assert.deepEqual(surfaced, [thrown]);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0], []);
  });

  test('calls next exactly once, with no argument, for a valid token', async () => {
    const middleware = createExpressAuthMiddleware({ logtoUrl: jwks.logtoUrl, audience: AUDIENCE });
    const req: { headers: Record<string, string>; auth?: unknown } = { headers: { authorization: `Bearer ${await mint(key, { iss: jwks.issuer, aud: AUDIENCE })}` } };
    const calls: unknown[][] = [];
    await new Promise<void>((resolve) => middleware(req, response(), (...args: unknown[]) => {
      calls.push(args);
      resolve();
    }));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(calls, [[]]);
    assert.equal((req.auth as { userId: string }).userId, 'user_123');
  });

  test('answers a failure itself and never calls next', async () => {
    const middleware = createExpressAuthMiddleware({ logtoUrl: jwks.logtoUrl, audience: AUDIENCE });
    const res = response();
    let calls = 0;
    const ended = new Promise<void>((resolve) => {
      res.end = () => {
        res.ended = true;
        resolve();
      };
    });
    middleware({ headers: {} }, res, () => void calls++);
    await ended;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(res.statusCode, 401);
    assert.equal(calls, 0);
  });
});
