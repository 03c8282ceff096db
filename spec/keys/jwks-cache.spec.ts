// The JWKS cache rules of the contract, proven by hit counts on a real loopback
// JWKS server (never by timings); the clock is mocked where time matters.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { clearJwksCache, JWKS_FETCH_TIMEOUT_MS, JWKS_MAX_STALE_MS, JWKS_REFETCH_COOLDOWN_MS, JWKS_STALE_RETRY_MS } from '../../lib/keys/jwks-cache.ts';
import { verifyLogtoToken } from '../../lib/verify.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint, type TestKey } from '../helpers/keys.ts';

const AUDIENCE = 'https://api.example.test';
let server: JwksServer;
let key: TestKey;

beforeEach(async () => {
  clearJwksCache();
  key = await makeKey('ES384', 'current');
  server = await startJwksServer([key.publicJwk]);
});
afterEach(async () => {
  mock.timers.reset();
  mock.restoreAll();
  await server.close();
});

const options = (extra: Record<string, unknown> = {}) => ({ logtoUrl: server.logtoUrl, audience: AUDIENCE, ...extra });
const token = (signer: TestKey = key, header: Record<string, unknown> = {}) => mint(signer, { iss: server.issuer, aud: AUDIENCE, header });
const freezeClock = () => mock.timers.enable({ apis: ['Date'], now: Date.now() });

describe('JWKS cache', () => {
  test('fetches once for many verifications while fresh, shared across options objects', async () => {
    const t = await token();
    for (let i = 0; i < 10; i++) await verifyLogtoToken(t, options());
    await verifyLogtoToken(t, options({ requiredScope: 'read:data' }));
    assert.equal(server.hits(), 1);
  });

  test('shares one fetch between concurrent misses', async () => {
    const t = await token();
    const results = await Promise.all(Array.from({ length: 25 }, () => verifyLogtoToken(t, options())));
    assert.equal(results.length, 25);
    assert.equal(server.hits(), 1);
  });

  test('refetches once the jwksCacheTtl has passed', async () => {
    const t = await token();
    freezeClock();
    await verifyLogtoToken(t, options({ jwksCacheTtl: 60_000 }));
    mock.timers.tick(59_999);
    await verifyLogtoToken(t, options({ jwksCacheTtl: 60_000 }));
    assert.equal(server.hits(), 1);
    mock.timers.tick(1);
    await verifyLogtoToken(t, options({ jwksCacheTtl: 60_000 }));
    assert.equal(server.hits(), 2);
  });

  test('picks up a key rotated in just after a regular fetch with the first token signed by it', async () => {
    freezeClock();
    await verifyLogtoToken(await token(), options());
    const next = await makeKey('ES384', 'next', { fresh: true });
    server.setKeys([next.publicJwk, key.publicJwk]);
    mock.timers.tick(1_000);
    const context = await verifyLogtoToken(await token(next), options());
    assert.equal(context.isAuthenticated, true);
    assert.equal(server.hits(), 2);
  });

  test('refetches at most once per 30 s when the kid is unknown', async () => {
    freezeClock();
    await verifyLogtoToken(await token(), options());
    const stranger = await makeKey('ES384', 'stranger', { fresh: true });
    await assert.rejects(verifyLogtoToken(await token(stranger), options()), { code: 'KEY_NOT_FOUND', status: 401 });
    assert.equal(server.hits(), 2);
    const flood = await Promise.all(Array.from({ length: 50 }, (_, i) => token(stranger, { kid: `random-${i}` })));
    for (const t of flood) await assert.rejects(verifyLogtoToken(t, options()), { code: 'KEY_NOT_FOUND' });
    assert.equal(server.hits(), 2);
    mock.timers.tick(JWKS_REFETCH_COOLDOWN_MS - 1);
    await assert.rejects(verifyLogtoToken(flood[0]!, options()), { code: 'KEY_NOT_FOUND' });
    assert.equal(server.hits(), 2);
    mock.timers.tick(1);
    await assert.rejects(verifyLogtoToken(flood[0]!, options()), { code: 'KEY_NOT_FOUND' });
    assert.equal(server.hits(), 3);
    // the known key kept working throughout
    assert.equal((await verifyLogtoToken(await token(), options())).isAuthenticated, true);
  });

  test('counts the cooldown from the last unknown-kid refetch, not the last regular fetch', async () => {
    freezeClock();
    await verifyLogtoToken(await token(), options({ jwksCacheTtl: 10_000 }));
    const stranger = await makeKey('ES384', 'stranger', { fresh: true });
    await assert.rejects(verifyLogtoToken(await token(stranger), options({ jwksCacheTtl: 10_000 })), { code: 'KEY_NOT_FOUND' });
    assert.equal(server.hits(), 2);
    mock.timers.tick(10_000); // a regular refetch, inside the unknown-kid cooldown
    await verifyLogtoToken(await token(), options({ jwksCacheTtl: 10_000 }));
    assert.equal(server.hits(), 3);
    const next = await makeKey('ES384', 'next', { fresh: true });
    server.setKeys([next.publicJwk, key.publicJwk]);
    mock.timers.tick(1_000);
    await assert.rejects(verifyLogtoToken(await token(next), options({ jwksCacheTtl: 10_000 })), { code: 'KEY_NOT_FOUND' });
    assert.equal(server.hits(), 3);
    mock.timers.tick(JWKS_REFETCH_COOLDOWN_MS);
    assert.equal((await verifyLogtoToken(await token(next), options({ jwksCacheTtl: 10_000 }))).isAuthenticated, true);
  });

  test('imports each key once, not per request', async () => {
    const importKey = mock.method(crypto.subtle, 'importKey');
    const rsa = await makeKey('RS256', 'rsa');
    server.setKeys([key.publicJwk, rsa.publicJwk]);
    const tokens = [await token(), await token(rsa)];
    for (let i = 0; i < 5; i++) for (const t of tokens) await verifyLogtoToken(t, options());
    // the EC key at fetch time, the RSA key without "alg" on its first RS256 use
    assert.equal(importKey.mock.callCount(), 2);
  });

  test('answers JWKS_UNAVAILABLE (503) when the JWKS cannot be fetched and nothing is cached', async () => {
    for (const [status, body] of [[500, 'oops'], [404, ''], [204, ''], [201, JSON.stringify({ keys: [key.publicJwk] })], [200, '<html>'], [200, '{"keys":{}}'], [200, 'null']] as const) {
      clearJwksCache();
      server.setHandler((_req, res) => {
        res.statusCode = status;
        res.end(body);
      });
      await assert.rejects(verifyLogtoToken(await token(), options()), { code: 'JWKS_UNAVAILABLE', status: 503 }, `${status} ${body}`);
    }
  });

  test('does not follow a redirect to other keys', async () => {
    const elsewhere = await startJwksServer([key.publicJwk]);
    try {
      server.setHandler((_req, res) => {
        res.statusCode = 302;
        res.setHeader('location', elsewhere.jwksUri);
        res.end();
      });
      await assert.rejects(verifyLogtoToken(await token(), options()), { code: 'JWKS_UNAVAILABLE' });
      assert.equal(elsewhere.hits(), 0);
    } finally {
      await elsewhere.close();
    }
  });

  test('serves the last good keys for a bounded time while refreshes fail', async () => {
    freezeClock();
    const t = await token();
    await verifyLogtoToken(t, options({ jwksCacheTtl: 1_000 }));
    server.setHandler((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    mock.timers.tick(1_000);
    assert.equal((await verifyLogtoToken(t, options({ jwksCacheTtl: 1_000 }))).isAuthenticated, true);
    assert.equal(server.hits(), 2);
    // no request to the failing issuer on every verification
    for (let i = 0; i < 10; i++) await verifyLogtoToken(t, options({ jwksCacheTtl: 1_000 }));
    assert.equal(server.hits(), 2);
    mock.timers.tick(JWKS_STALE_RETRY_MS);
    await verifyLogtoToken(t, options({ jwksCacheTtl: 1_000 }));
    assert.equal(server.hits(), 3);
    mock.timers.tick(JWKS_MAX_STALE_MS);
    await assert.rejects(verifyLogtoToken(await token(), options({ jwksCacheTtl: 1_000 })), { code: 'JWKS_UNAVAILABLE', status: 503 });
  });

  test('answers KEY_NOT_FOUND, not 503, when an unknown-kid refetch fails but keys are cached', async () => {
    await verifyLogtoToken(await token(), options());
    server.setHandler((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    const stranger = await makeKey('ES384', 'stranger', { fresh: true });
    await assert.rejects(verifyLogtoToken(await token(stranger), options()), { code: 'KEY_NOT_FOUND', status: 401 });
  });

  test('gives up on a JWKS request that has not answered within 5 s, even with a fetch that ignores its signal', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
    const t = await token();
    let calls = 0;
    const hanging = (() => {
      calls++;
      return new Promise<Response>(() => {});
    }) as typeof fetch;
    const pending = verifyLogtoToken(t, options({ fetch: hanging }));
    const outcome = assert.rejects(pending, { code: 'JWKS_UNAVAILABLE', status: 503 });
    await new Promise((resolve) => setImmediate(resolve));
    mock.timers.tick(JWKS_FETCH_TIMEOUT_MS);
    await outcome;
    assert.equal(calls, 1);
  });

  test('sends cache: no-store and no redirect following to a custom fetch', async () => {
    const seen: RequestInit[] = [];
    const spy = ((url: string, init: RequestInit) => {
      seen.push(init);
      return fetch(url, init);
    }) as typeof fetch;
    await verifyLogtoToken(await token(), options({ fetch: spy }));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.cache, 'no-store');
    assert.equal(seen[0]!.redirect, 'manual');
  });

  test('calls a custom fetch detached, not as a method of the options', async () => {
    const thisValues: unknown[] = [];
    const custom = function (this: unknown, url: string, init: RequestInit) {
      thisValues.push(this);
      return fetch(url, init);
    } as typeof fetch;
    await verifyLogtoToken(await token(), options({ fetch: custom }));
    assert.deepEqual(thisValues, [undefined]);
  });

  test('checks a token without kid with the one key that fits its alg', async () => {
    const rsa = await makeKey('RS256', 'rsa');
    server.setKeys([key.publicJwk, rsa.publicJwk]);
    assert.equal((await verifyLogtoToken(await token(key, { kid: undefined }), options())).isAuthenticated, true);
    const other = await makeKey('ES384', 'other', { fresh: true });
    server.setKeys([key.publicJwk, other.publicJwk]);
    clearJwksCache();
    await assert.rejects(verifyLogtoToken(await token(key, { kid: undefined }), options()), { code: 'KEY_NOT_FOUND', status: 401 });
  });

  test('answers ALGORITHM_NOT_ALLOWED when the kid names a key of another type or curve', async () => {
    const p256 = await makeKey('ES256', 'p256');
    server.setKeys([key.publicJwk, p256.publicJwk]);
    // an ES256 header naming the P-384 key: the curve decides, not the header
    await assert.rejects(verifyLogtoToken(await token(p256, { kid: 'current' }), options()), { code: 'ALGORITHM_NOT_ALLOWED', status: 401 });
  });
});
