// The JWKS cache rules of the contract, proven by hit counts on a real loopback
// JWKS server (never by timings); the clock is mocked where time matters.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { clearJwksCache, JWKS_MAX_STALE_MS, JWKS_REFETCH_COOLDOWN_MS, JWKS_STALE_RETRY_MS } from '../../lib/keys/jwks-cache.ts';
import { JWKS_FETCH_TIMEOUT_MS } from '../../lib/keys/jwks-fetch.ts';
import { errorAnswer } from '../../lib/adapters/http-answer.ts';
import { AuthError } from '../../lib/errors.ts';
import { verifyLogtoToken } from '../../lib/verify.ts';
import { recordEvents as recorder } from '../helpers/event-recorder.ts';
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

/** A JWKS handler that holds every request until `release()`, counting the unanswered ones. */
function holdingHandler(server: JwksServer, keys: object[]) {
  const held: import('node:http').ServerResponse[] = [];
  let arrived: () => void = () => {};
  const firstArrival = new Promise<void>((resolve) => (arrived = resolve));
  server.setHandler((_req, res) => {
    held.push(res);
    arrived();
  });
  return {
    firstArrival,
    unanswered: () => held.filter((res) => !res.writableEnded).length,
    release: () => {
      for (const res of held) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    },
  };
}

/** `{"alg":"ES256","kid":...}.{}.AA`: no login needed, refused only once a key is at hand. */
const junkToken = (kid: string) => `${Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid })).toString('base64url')}.${Buffer.from('{}').toString('base64url')}.AA`;
const failWith500 = () =>
  server.setHandler((_req, res) => {
    res.statusCode = 500;
    res.end('down');
  });
async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('expected an AuthError');
}

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
    const hook = recorder();
    freezeClock();
    await verifyLogtoToken(t, options({ jwksCacheTtl: 60_000, onEvent: hook.onEvent }));
    mock.timers.tick(59_999);
    await verifyLogtoToken(t, options({ jwksCacheTtl: 60_000, onEvent: hook.onEvent }));
    assert.equal(server.hits(), 1);
    mock.timers.tick(1);
    await verifyLogtoToken(t, options({ jwksCacheTtl: 60_000, onEvent: hook.onEvent }));
    await hook.until('jwks-fetched', 2);
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
    const hook = recorder();
    freezeClock();
    await verifyLogtoToken(await token(), options({ jwksCacheTtl: 10_000, onEvent: hook.onEvent }));
    const stranger = await makeKey('ES384', 'stranger', { fresh: true });
    await assert.rejects(verifyLogtoToken(await token(stranger), options({ jwksCacheTtl: 10_000, onEvent: hook.onEvent })), { code: 'KEY_NOT_FOUND' });
    assert.equal(server.hits(), 2);
    mock.timers.tick(10_000); // a regular refetch (in the background), inside the unknown-kid cooldown
    await verifyLogtoToken(await token(), options({ jwksCacheTtl: 10_000, onEvent: hook.onEvent }));
    await hook.until('jwks-fetched', 3);
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

  test('refuses the keys a custom fetch reached by following a redirect', async () => {
    const elsewhere = await startJwksServer([key.publicJwk]);
    try {
      server.setHandler((_req, res) => {
        res.statusCode = 302;
        res.setHeader('location', elsewhere.jwksUri);
        res.end();
      });
      // a wrapper that rebuilds the init and so drops redirect: 'manual'
      const following = ((url: string) => fetch(url)) as typeof fetch;
      await assert.rejects(verifyLogtoToken(await token(), options({ fetch: following })), { code: 'JWKS_UNAVAILABLE', status: 503 });
      assert.equal(elsewhere.hits(), 1, 'the wrapper did follow; the keys it found were refused');
    } finally {
      await elsewhere.close();
    }
  });

  test('refuses a response whose url is not the configured JWKS URL, and a non-200 status', async () => {
    const body = JSON.stringify({ keys: [key.publicJwk] });
    const answers: { description: string; respond: () => Response }[] = [
      { description: 'another url', respond: () => Object.defineProperty(new Response(body), 'url', { value: 'https://attacker.test/jwks' }) },
      { description: 'redirected to the same keys', respond: () => Object.defineProperty(new Response(body), 'redirected', { value: true }) },
      { description: 'HTTP 203', respond: () => new Response(body, { status: 203 }) },
    ];
    for (const { description, respond } of answers) {
      clearJwksCache();
      await assert.rejects(verifyLogtoToken(await token(), options({ fetch: (async () => respond()) as typeof fetch })), { code: 'JWKS_UNAVAILABLE' }, description);
    }
    // the configured URL itself, as a real fetch reports it, is accepted
    clearJwksCache();
    const sameUrl = (async (url: string) => Object.defineProperty(new Response(body), 'url', { value: url })) as typeof fetch;
    assert.equal((await verifyLogtoToken(await token(), options({ fetch: sameUrl }))).isAuthenticated, true);
  });

  test('sends jwksRequestHeaders on every JWKS request and keeps its own accept header', async () => {
    const seen: import('node:http').IncomingHttpHeaders[] = [];
    server.setHandler((req, res) => {
      seen.push(req.headers);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [key.publicJwk] }));
    });
    const headers = { 'User-Agent': 'gateway-client/1.0', 'X-Api-Key': 'k-123', Accept: 'text/html' };
    await verifyLogtoToken(await token(), options({ jwksRequestHeaders: headers }));
    const stranger = await makeKey('ES384', 'stranger', { fresh: true });
    await assert.rejects(verifyLogtoToken(await token(stranger), options({ jwksRequestHeaders: headers })), { code: 'KEY_NOT_FOUND' });
    assert.equal(seen.length, 2, 'the first fetch and the unknown-kid refetch');
    for (const received of seen) {
      assert.equal(received['user-agent'], 'gateway-client/1.0');
      assert.equal(received['x-api-key'], 'k-123');
      assert.equal(received.accept, 'application/jwk-set+json, application/json');
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
    const hook = recorder();
    const opts = options({ jwksCacheTtl: 1_000, onEvent: hook.onEvent });
    const t = await token();
    await verifyLogtoToken(t, opts);
    failWith500();
    mock.timers.tick(1_000);
    assert.equal((await verifyLogtoToken(t, opts)).isAuthenticated, true);
    await hook.until('jwks-fetched', 2);
    assert.equal(server.hits(), 2);
    // no request to the failing issuer on every verification
    for (let i = 0; i < 10; i++) await verifyLogtoToken(t, opts);
    assert.equal(server.hits(), 2);
    mock.timers.tick(JWKS_STALE_RETRY_MS);
    await verifyLogtoToken(t, opts);
    await hook.until('jwks-fetched', 3);
    assert.equal(server.hits(), 3);
    assert.equal(hook.count('jwks-backoff'), 0, 'stale keys are usable: no backoff, no 503');
    mock.timers.tick(JWKS_MAX_STALE_MS);
    await assert.rejects(verifyLogtoToken(await token(), opts), { code: 'JWKS_UNAVAILABLE', status: 503 });
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

describe('stale-while-revalidate past jwksCacheTtl', () => {
  test('answers from the keys at hand while the refresh is still unanswered', async () => {
    freezeClock();
    const hook = recorder();
    const opts = options({ jwksCacheTtl: 1_000, onEvent: hook.onEvent });
    const t = await token();
    await verifyLogtoToken(t, opts);
    const gate = holdingHandler(server, [key.publicJwk]);
    mock.timers.tick(1_000);
    assert.equal((await verifyLogtoToken(t, opts)).isAuthenticated, true);
    await gate.firstArrival;
    for (let i = 0; i < 5; i++) assert.equal((await verifyLogtoToken(t, opts)).isAuthenticated, true);
    // every request resolved while the refresh sat unanswered at the issuer
    assert.equal(gate.unanswered(), 1);
    assert.equal(server.hits(), 2, 'one refresh for six requests');
    assert.deepEqual(hook.types().filter((type) => type.startsWith('jwks')), ['jwks-fetched', ...Array(6).fill('jwks-stale-served')]);
    gate.release();
    await hook.until('jwks-fetched', 2);
    assert.deepEqual(hook.events.at(-1), { type: 'jwks-fetched', jwksUri: server.jwksUri, ok: true, durationMs: 0, keyCount: 1, reason: 'ttl' });
    await verifyLogtoToken(t, opts);
    assert.equal(hook.count('jwks-stale-served'), 6, 'fresh again: no stale keys served');
    assert.equal(server.hits(), 2);
  });

  test('stops verifying with a removed key once a refresh has succeeded, token cache included', async () => {
    freezeClock();
    const hook = recorder();
    const opts = options({ jwksCacheTtl: 1_000, onEvent: hook.onEvent });
    const t = await token();
    for (let i = 0; i < 3; i++) await verifyLogtoToken(t, opts); // remembered by the token cache too
    const next = await makeKey('ES384', 'next', { fresh: true });
    server.setKeys([next.publicJwk]);
    mock.timers.tick(1_000);
    assert.equal((await verifyLogtoToken(t, opts)).isAuthenticated, true, 'served stale until the refresh answers');
    await hook.until('jwks-fetched', 2);
    await assert.rejects(verifyLogtoToken(t, opts), { code: 'KEY_NOT_FOUND', status: 401 });
    assert.equal((await verifyLogtoToken(await token(next), opts)).isAuthenticated, true);
  });

  test('makes an unknown kid wait for the refresh in flight, so a rotated-in key verifies', async () => {
    freezeClock();
    const hook = recorder();
    const opts = options({ jwksCacheTtl: 1_000, onEvent: hook.onEvent });
    await verifyLogtoToken(await token(), opts);
    const next = await makeKey('ES384', 'next', { fresh: true });
    const gate = holdingHandler(server, [next.publicJwk, key.publicJwk]);
    mock.timers.tick(1_000);
    const rotated = verifyLogtoToken(await token(next), opts);
    await gate.firstArrival;
    gate.release();
    assert.equal((await rotated).isAuthenticated, true);
    assert.equal(server.hits(), 2, 'the unknown kid shared the refresh');
  });
});

describe('backoff with nothing usable cached', () => {
  // Math.random pinned to each end of the jitter: the count holds for any draw in between
  for (const { random, expected } of [{ random: 0, expected: 6 }, { random: 0.999, expected: 5 }]) {
    test(`asks a failing JWKS ${expected} times, not 200, for 200 junk tokens over 20 s (jitter draw ${random})`, async () => {
      mock.method(Math, 'random', () => random);
      freezeClock();
      const hook = recorder();
      failWith500();
      const outcomes = new Set<string>();
      for (let i = 0; i < 200; i++) {
        const error = await rejection(verifyLogtoToken(junkToken(`kid-${i}`), options({ onEvent: hook.onEvent })));
        outcomes.add(`${error.code} ${error.status}`);
        mock.timers.tick(100);
      }
      assert.deepEqual([...outcomes], ['JWKS_UNAVAILABLE 503']);
      // backoff 1 s, 2 s, 4 s, 8 s, 16 s (30 s cap), each jittered down to no less than half
      assert.equal(server.hits(), expected);
      assert.equal(hook.count('jwks-backoff'), expected);
      assert.deepEqual(hook.events.filter((event) => event.type === 'jwks-backoff').map((event) => event.type === 'jwks-backoff' && event.failures), Array.from({ length: expected }, (_, i) => i + 1));
    });
  }

  test('shares one fetch and its failure between concurrent callers', async () => {
    const hook = recorder();
    failWith500();
    const errors = await Promise.all(Array.from({ length: 25 }, (_, i) => rejection(verifyLogtoToken(junkToken(`kid-${i}`), options({ onEvent: hook.onEvent })))));
    assert.deepEqual(new Set(errors.map((error) => error.code)), new Set(['JWKS_UNAVAILABLE']));
    assert.equal(server.hits(), 1);
    assert.equal(hook.count('jwks-fetched'), 1);
    assert.equal(hook.count('jwks-backoff'), 1);
  });

  test('says in Retry-After how long the backoff lasts', async () => {
    mock.method(Math, 'random', () => 0.999);
    freezeClock();
    failWith500();
    const first = await rejection(verifyLogtoToken(await token(), options()));
    assert.equal(first.retryAfterSec, 1);
    mock.timers.tick(1_000);
    await rejection(verifyLogtoToken(await token(), options())); // second failure: about 2 s
    mock.timers.tick(400);
    const backedOff = await rejection(verifyLogtoToken(await token(), options()));
    assert.equal(server.hits(), 2);
    assert.equal(backedOff.retryAfterSec, 2, 'about 1.6 s left, rounded up');
    const answer = errorAnswer(backedOff);
    assert.equal(answer.status, 503);
    assert.equal(answer.headers['retry-after'], '2');
    assert.ok(backedOff.cause instanceof Error, 'the last failure stays the cause, for logs');
  });

  test('fetches again once the backoff is over, and verifies when the JWKS is back', async () => {
    mock.method(Math, 'random', () => 0.999);
    freezeClock();
    failWith500();
    const t = await token();
    await rejection(verifyLogtoToken(t, options()));
    mock.timers.tick(999);
    await rejection(verifyLogtoToken(t, options()));
    assert.equal(server.hits(), 1);
    server.setHandler(undefined);
    mock.timers.tick(1);
    assert.equal((await verifyLogtoToken(t, options())).isAuthenticated, true);
    assert.equal(server.hits(), 2);
  });
});

describe('JWKS events', () => {
  test('reports a failed fetch with its reason and a message, never the body', async () => {
    const hook = recorder();
    server.setHandler((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(`{"keys":[${JSON.stringify(key.publicJwk)}`); // cut short: invalid JSON around real key material
    });
    await rejection(verifyLogtoToken(await token(), options({ onEvent: hook.onEvent })));
    const fetched = hook.events.find((event) => event.type === 'jwks-fetched');
    assert.deepEqual({ ...fetched, durationMs: 0 }, { type: 'jwks-fetched', jwksUri: server.jwksUri, ok: false, durationMs: 0, error: 'the JWKS is not valid JSON', reason: 'cold' });
    assert.doesNotMatch(JSON.stringify(hook.events), new RegExp(String(key.publicJwk.x)));
  });

  test('verifies alike without a hook and with a hook that throws', async () => {
    const t = await token();
    assert.equal((await verifyLogtoToken(t, options())).isAuthenticated, true);
    clearJwksCache();
    let calls = 0;
    const throwing = () => {
      calls++;
      throw new Error('the logger is down');
    };
    assert.equal((await verifyLogtoToken(t, options({ onEvent: throwing }))).isAuthenticated, true);
    assert.ok(calls >= 2, 'jwks-fetched and verified reached the hook');
  });
});
