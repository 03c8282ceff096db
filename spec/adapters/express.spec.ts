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
  // success callback reached .catch and next ran a second time, with that error;
  // and left to surface as an unhandled rejection, it ended the process (issue 19)
  test('calls next exactly once when next itself throws, answers 500 with no-store, and rejects nothing', { timeout: 30_000 }, async () => {
    const middleware = createExpressAuthMiddleware({ logtoUrl: jwks.logtoUrl, audience: AUDIENCE });
    const req = { headers: { authorization: `Bearer ${await mint(key, { iss: jwks.issuer, aud: AUDIENCE })}` } };
    const res = response();
    const calls: unknown[][] = [];
    // node:test fails a test on an unhandled rejection; its own listeners step
    // aside while this test counts them
    const runnerListeners = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    const surfaced: unknown[] = [];
    process.on('unhandledRejection', (reason) => surfaced.push(reason));
    try {
      let called: () => void = () => {};
      const nextCalled = new Promise<void>((resolve) => (called = resolve));
      middleware(req, res, (...args: unknown[]) => {
        calls.push(args);
        called();
        throw new Error('thrown by the next handler');
      });
      await nextCalled;
      // a few turns: a rejection surfaces, a second call would come from a later callback
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.removeAllListeners('unhandledRejection');
      for (const listener of runnerListeners) process.on('unhandledRejection', listener);
    }
    assert.deepEqual(surfaced, []);
    assert.deepEqual(calls, [[]]);
    assert.equal(res.statusCode, 500);
    assert.equal(res.getHeader('cache-control'), 'no-store');
    assert.equal(res.ended, true);
  });

  test('neither answers nor calls next when the response was answered while it verified', async () => {
    let refused: () => void = () => {};
    const verdict = new Promise<void>((resolve) => (refused = resolve));
    const middleware = createExpressAuthMiddleware({ logtoUrl: jwks.logtoUrl, audience: AUDIENCE, onEvent: (event) => event.type === 'rejected' && refused() });
    const res = { ...response(), headersSent: false, setHeader: () => assert.fail('setHeader after the answer'), end: () => assert.fail('end after the answer') };
    const calls: unknown[][] = [];
    // an unknown kid: the middleware awaits a refetch; meanwhile another middleware answers
    const stranger = await makeKey('ES256', 'not-published');
    middleware({ headers: { authorization: `Bearer ${await mint(stranger, { iss: jwks.issuer, aud: AUDIENCE })}` } }, res, (...args: unknown[]) => calls.push(args));
    res.headersSent = true;
    await verdict; // KEY_NOT_FOUND, for a response already sent
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(calls, []);
    assert.equal(res.statusCode, 200);
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
