import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, mock, test } from 'node:test';
import type { AuthEvent } from '../lib/events.ts';
import { clearJwksCache } from '../lib/keys/jwks-cache.ts';
import {
  clearTokenCache,
  findVerified,
  rememberVerified,
  TOKEN_CACHE_MAX_CHARS,
  TOKEN_CACHE_MAX_ENTRIES,
  tokenCacheUsage,
  seenBefore,
  MAX_NOTED,
} from '../lib/token-cache.ts';
import { verifyLogtoToken } from '../lib/verify.ts';
import { makeKey, mint, type TestKey } from './helpers/keys.ts';
import { startJwksServer, type JwksServer } from './helpers/jwks-server.ts';
import { retainedHeap } from './helpers/retained-heap.ts';

const AUDIENCE = 'https://api.example.com';
const NOW = Date.UTC(2030, 0, 1); // mocked clock, in ms

let server: JwksServer;
let key: TestKey;
let verifyCalls = 0;
const realVerify = crypto.subtle.verify;

before(async () => {
  key = await makeKey('ES256', 'cache-key');
  server = await startJwksServer([key.publicJwk]);
  // count signature checks: a cache hit must not reach crypto.subtle
  crypto.subtle.verify = function (...args: Parameters<SubtleCrypto['verify']>) {
    verifyCalls++;
    return realVerify.apply(crypto.subtle, args);
  } as SubtleCrypto['verify'];
});
after(async () => {
  crypto.subtle.verify = realVerify;
  await server.close();
});
beforeEach(() => {
  mock.timers.enable({ apis: ['Date'], now: NOW });
  server.setKeys([key.publicJwk]);
  clearJwksCache();
  clearTokenCache();
  verifyCalls = 0;
});
afterEach(() => mock.timers.reset());

const options = (extra: Record<string, unknown> = {}) => ({ logtoUrl: server.logtoUrl, audience: AUDIENCE, ...extra });
const token = (extra: { expiresIn?: number; claims?: Record<string, unknown>; aud?: string | string[]; signer?: TestKey } = {}) =>
  mint(extra.signer ?? key, { iss: server.issuer, aud: extra.aud ?? AUDIENCE, expiresIn: extra.expiresIn, claims: extra.claims });

// a token is remembered from its second verification on (the doorkeeper in token-cache.ts)
async function remembered(jwt: string, opts: object): Promise<void> {
  await verifyLogtoToken(jwt, opts as Parameters<typeof verifyLogtoToken>[1]);
  await verifyLogtoToken(jwt, opts as Parameters<typeof verifyLogtoToken>[1]);
  assert.ok(tokenCacheUsage().entries > 0, 'the token is remembered');
}

/** Resolves `done` at the first `jwks-fetched` event after `arm()`, and one turn later (the cache has taken the keys). */
function nextJwksFetch(): { onEvent: (event: AuthEvent) => void; arm: () => void; done: Promise<void> } {
  let armed = false;
  let resolve: () => void = () => {};
  const done = new Promise<void>((r) => (resolve = r));
  return {
    onEvent: (event) => {
      if (armed && event.type === 'jwks-fetched') setImmediate(resolve);
    },
    arm: () => void (armed = true),
    done,
  };
}

async function rejectsWith(promise: Promise<unknown>, code: string, status = 401): Promise<void> {
  await assert.rejects(promise, (error: { code?: string; status?: number }) => {
    assert.equal(error.code, code);
    assert.equal(error.status, status);
    return true;
  });
}

describe('serving a verified token again', () => {
  test('remembers a token from its second verification on, then answers it without verifying its signature', async () => {
    const opts = options();
    const jwt = await token();
    const first = await verifyLogtoToken(jwt, opts);
    assert.equal(tokenCacheUsage().entries, 0, 'a token seen once is only noted');
    await verifyLogtoToken(jwt, opts);
    assert.equal(tokenCacheUsage().entries, 1);
    const second = await verifyLogtoToken(jwt, opts);
    assert.equal(verifyCalls, 2);
    assert.deepEqual(second, first);
    assert.equal(second.userId, 'user_123');
    assert.equal(second.isAuthenticated, true);
  });

  test('verifies again after clearJwksCache(), which an app calls to drop keys at once', async () => {
    const opts = options();
    const jwt = await token();
    const hits = server.hits();
    await remembered(jwt, opts);
    clearJwksCache();
    await verifyLogtoToken(jwt, opts);
    assert.equal(verifyCalls, 3);
    assert.equal(server.hits(), hits + 2);
  });

  test('verifies every time when tokenCache is false', async () => {
    const opts = options({ tokenCache: false });
    const jwt = await token();
    await verifyLogtoToken(jwt, opts);
    await verifyLogtoToken(jwt, opts);
    assert.equal(verifyCalls, 2);
    assert.equal(tokenCacheUsage().entries, 0);
  });

  test('never remembers a failure: a failing token is verified in full each time', async () => {
    const opts = options({ requiredScope: 'admin' });
    const jwt = await token();
    await rejectsWith(verifyLogtoToken(jwt, opts), 'SCOPE_MISSING', 403);
    await rejectsWith(verifyLogtoToken(jwt, opts), 'SCOPE_MISSING', 403);
    assert.equal(verifyCalls, 2);
    assert.equal(tokenCacheUsage().entries, 0);
  });
});

describe('expiry with the current clock', () => {
  test('gives TOKEN_EXPIRED for a cached token at exp itself, as a fresh verification does', async () => {
    const opts = options();
    const jwt = await token({ expiresIn: 60 });
    await remembered(jwt, opts);
    mock.timers.tick(59_999);
    await verifyLogtoToken(jwt, opts);
    assert.equal(verifyCalls, 2, 'still inside exp: served from the cache');
    mock.timers.tick(1);
    await rejectsWith(verifyLogtoToken(jwt, opts), 'TOKEN_EXPIRED');
    await rejectsWith(verifyLogtoToken(jwt, { ...opts }), 'TOKEN_EXPIRED'); // fresh options: a full verification agrees
  });

  test('applies clockTolerance to a cached token exactly as checkClaims does', async () => {
    const opts = options({ clockTolerance: 5 });
    const jwt = await token({ expiresIn: 60 });
    await remembered(jwt, opts);
    mock.timers.tick(64_999);
    await verifyLogtoToken(jwt, opts);
    mock.timers.tick(1);
    await rejectsWith(verifyLogtoToken(jwt, opts), 'TOKEN_EXPIRED');
    assert.equal(verifyCalls, 3, 'the expired token went through full verification once, then failed');
  });

  test('gives TOKEN_NOT_YET_VALID to a cached token when the clock moves back before nbf', async () => {
    const opts = options();
    const jwt = await token({ claims: { nbf: NOW / 1000 } });
    await remembered(jwt, opts);
    mock.timers.setTime(NOW - 1000);
    await rejectsWith(verifyLogtoToken(jwt, opts), 'TOKEN_NOT_YET_VALID');
  });

  test('gives TOKEN_EXPIRED to a cached token once it is older than maxTokenAge, as a fresh verification does', async () => {
    const opts = options({ maxTokenAge: 30 });
    const jwt = await token({ expiresIn: 3600, claims: { iat: NOW / 1000 } });
    await remembered(jwt, opts);
    mock.timers.tick(30_000);
    await verifyLogtoToken(jwt, opts);
    assert.equal(verifyCalls, 2, 'exactly maxTokenAge old: served from the cache');
    mock.timers.tick(1_000);
    await rejectsWith(verifyLogtoToken(jwt, opts), 'TOKEN_EXPIRED');
    await rejectsWith(verifyLogtoToken(jwt, { ...opts }), 'TOKEN_EXPIRED'); // fresh options: a full verification agrees
  });
});

describe('key rotation', () => {
  // stale-while-revalidate (CONTRACT.md, JWKS cache): past the TTL a request is
  // answered from the keys at hand while the refresh runs; a removed key stops
  // verifying once that refresh has succeeded, and the remembered token with it
  test('stops serving a token once a refresh past the TTL shows its key gone', async () => {
    const refreshed = nextJwksFetch();
    const opts = options({ jwksCacheTtl: 1000, onEvent: refreshed.onEvent });
    const jwt = await token();
    await remembered(jwt, opts);
    const other = await makeKey('ES256', 'rotated-in');
    server.setKeys([other.publicJwk]);
    mock.timers.tick(1000); // the JWKS is past its TTL
    refreshed.arm();
    assert.equal((await verifyLogtoToken(jwt, opts)).userId, 'user_123', 'answered from the keys at hand');
    await refreshed.done;
    await rejectsWith(verifyLogtoToken(jwt, opts), 'KEY_NOT_FOUND');
    assert.equal(tokenCacheUsage().entries, 0);
  });

  test('drops a token at once when a refetch for a new kid shows its key gone, before the TTL', async () => {
    const opts = options();
    const jwt = await token();
    await remembered(jwt, opts);
    const next = await makeKey('ES256', 'next-key');
    server.setKeys([next.publicJwk]);
    await verifyLogtoToken(await token({ signer: next }), opts); // unknown kid: one refetch, the old key is gone
    await rejectsWith(verifyLogtoToken(jwt, opts), 'KEY_NOT_FOUND');
  });

  test('verifies in full after the JWKS TTL even when the key stays, then serves from the cache again', async () => {
    const refreshed = nextJwksFetch();
    const opts = options({ jwksCacheTtl: 1000, onEvent: refreshed.onEvent });
    const jwt = await token();
    await remembered(jwt, opts);
    const hits = server.hits();
    mock.timers.tick(1000);
    refreshed.arm();
    await verifyLogtoToken(jwt, opts);
    assert.equal(verifyCalls, 3, 'not served from the cache past the TTL');
    await refreshed.done;
    assert.equal(server.hits(), hits + 1, 'the JWKS was refreshed');
    // remembered again under the refreshed key (at most one more full verification), then served
    await verifyLogtoToken(jwt, opts);
    await verifyLogtoToken(jwt, opts);
    const settled = verifyCalls;
    assert.ok(settled <= 5, `${settled} signature checks`);
    await verifyLogtoToken(jwt, opts);
    assert.equal(verifyCalls, settled);
  });
});

describe('options never share entries', () => {
  const cases: { description: string; restrictive: Record<string, unknown>; code: string; status?: number }[] = [
    { description: 'another audience', restrictive: { audience: 'https://other.example.com' }, code: 'AUDIENCE_INVALID' },
    { description: 'another issuer', restrictive: { issuer: 'https://elsewhere.example.com/oidc' }, code: 'ISSUER_INVALID' },
    { description: 'a required scope the token lacks', restrictive: { requiredScope: 'admin' }, code: 'SCOPE_MISSING', status: 403 },
    { description: 'an algorithm list without the token alg', restrictive: { algorithms: ['RS256'] }, code: 'ALGORITHM_NOT_ALLOWED' },
  ];
  for (const { description, restrictive, code, status } of cases) {
    test(`refuses a token cached under looser options when the options have ${description}`, async () => {
      const jwt = await token();
      await remembered(jwt, options());
      await rejectsWith(verifyLogtoToken(jwt, options(restrictive)), code, status);
    });
  }
});

describe('the payload handed out', () => {
  test('is a fresh object per call, so a change by one caller never reaches the next', async () => {
    const opts = options();
    const jwt = await token({ aud: [AUDIENCE, 'https://second.example.com'], claims: { roles: ['reader'] } });
    await remembered(jwt, opts);
    const first = await verifyLogtoToken(jwt, opts);
    (first.payload as Record<string, unknown>).sub = 'admin';
    (first.payload as Record<string, unknown>).extra = true;
    // nested values are shared between callers, so the cache keeps them frozen
    assert.throws(() => (first.payload!.roles as string[]).push('admin'), TypeError);
    const second = await verifyLogtoToken(jwt, opts);
    assert.notEqual(second.payload, first.payload);
    assert.equal(second.payload!.sub, 'user_123');
    assert.equal(second.payload!.extra, undefined);
    assert.deepEqual(second.payload!.roles, ['reader']);
  });

  test('comes in a new context object each time, so the app may extend its own', async () => {
    const opts = options();
    const jwt = await token();
    await remembered(jwt, opts);
    const first = await verifyLogtoToken(jwt, opts);
    (first as unknown as Record<string, unknown>).extra = 1;
    const second = await verifyLogtoToken(jwt, opts);
    assert.notEqual(second, first);
    assert.equal((second as unknown as Record<string, unknown>).extra, undefined);
  });
});

describe('the context handed out on a hit', () => {
  test('carries what the verification derived (organization, actor), in a context and payload of its own, everything under them frozen', async () => {
    const opts = options();
    const act = { sub: 'admin_1', client_id: 'console' };
    const jwt = await token({ claims: { organization_id: 'org_1', act } });
    await remembered(jwt, opts);
    const before = verifyCalls;
    const first = await verifyLogtoToken(jwt, opts);
    const second = await verifyLogtoToken(jwt, opts);
    assert.equal(verifyCalls, before, 'both are cache hits');
    for (const auth of [first, second]) {
      assert.equal(auth.userId, 'user_123');
      assert.equal(auth.organizationId, 'org_1');
      assert.deepEqual(auth.actor, act);
      assert.equal(auth.actor, auth.payload!.act, 'the actor is the payload\'s act claim');
    }
    assert.notEqual(second, first);
    assert.notEqual(second.payload, first.payload);
    // a caller may change its own context and payload, never what the next caller reads
    first.organizationId = 'org_other';
    first.userId = 'someone';
    (first.payload as Record<string, unknown>).organization_id = 'org_other';
    assert.throws(() => ((first.actor as Record<string, unknown>).sub = 'root'), TypeError);
    const third = await verifyLogtoToken(jwt, opts);
    assert.equal(third.organizationId, 'org_1');
    assert.equal(third.userId, 'user_123');
    assert.equal(third.payload!.organization_id, 'org_1');
    assert.deepEqual(third.actor, act);
  });

  test('is the one built when the token was verified: a hit does not build it again', async () => {
    const opts = options();
    const jwt = await token();
    await remembered(jwt, opts);
    // contextOf reads organization_id, which this token lacks, so the read falls
    // through to Object.prototype: a getter there counts every context built
    let built = 0;
    Object.defineProperty(Object.prototype, 'organization_id', { configurable: true, get: () => void built++ });
    try {
      const auth = await verifyLogtoToken(jwt, opts);
      await verifyLogtoToken(jwt, opts);
      assert.equal(auth.userId, 'user_123');
      assert.equal(built, 0, 'no context was built on a hit');
      await verifyLogtoToken(await token({ claims: { jti: 'another' } }), opts);
      assert.ok(built > 0, 'a verification builds one (the counter works)');
    } finally {
      delete (Object.prototype as Record<string, unknown>).organization_id;
    }
  });

  test('is never one remembered for another token whose signature ends the same', () => {
    const scope = {};
    const tail = 'SameSignatureTail_0123456789';
    const a = `eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.aaaa${tail}`;
    const b = `eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJiIn0.bbbb${tail}`;
    const contextA = { userId: 'a', isAuthenticated: true, payload: { sub: 'a', exp: 1 } };
    const contextB = { userId: 'b', isAuthenticated: true, payload: { sub: 'b', exp: 1 } };
    rememberVerified(scope, a, contextA, {});
    assert.equal(findVerified(scope, b), undefined, 'b was never remembered');
    rememberVerified(scope, b, contextB, {});
    assert.equal(findVerified(scope, b)?.context.userId, 'b');
    // the later one took the slot: a is verified again rather than answered as b
    assert.equal(findVerified(scope, a), undefined);
    assert.equal(tokenCacheUsage().entries, 1);
  });
});

describe('admission', () => {
  test('only notes a token seen once, so a stream of distinct tokens does not push out one that comes back', async () => {
    const opts = options();
    const regular = await token();
    await remembered(regular, opts);
    for (let i = 0; i < 30; i++) await verifyLogtoToken(await token({ claims: { jti: `once-${i}` } }), opts);
    assert.equal(tokenCacheUsage().entries, 1);
    const before = verifyCalls;
    await verifyLogtoToken(regular, opts);
    assert.equal(verifyCalls, before, 'the regular token is still answered from the cache');
  });

  test(`notes at most ${MAX_NOTED} tokens seen once`, () => {
    for (let i = 0; i < 3 * MAX_NOTED; i++) {
      seenBefore(`token-${i}-${'x'.repeat(30)}${i}`);
      assert.ok(tokenCacheUsage().noted <= MAX_NOTED);
    }
    assert.equal(seenBefore(`token-${3 * MAX_NOTED - 1}-${'x'.repeat(30)}${3 * MAX_NOTED - 1}`), true, 'the latest note is kept');
  });
});

// what verify.ts stores beside a token: the context built from its claims
const entryContext = () => ({ userId: 'user_123', isAuthenticated: true, payload: { sub: 'user_123', exp: 1 } });

describe('memory bound', () => {
  test(`holds at most ${TOKEN_CACHE_MAX_ENTRIES} entries however many distinct tokens pass`, () => {
    const scope = {};
    for (let i = 0; i < TOKEN_CACHE_MAX_ENTRIES * 3; i++) rememberVerified(scope, `token-${i}`, entryContext(), {});
    assert.equal(tokenCacheUsage().entries, TOKEN_CACHE_MAX_ENTRIES);
    assert.ok(findVerified(scope, `token-${TOKEN_CACHE_MAX_ENTRIES * 3 - 1}`));
    assert.equal(findVerified(scope, 'token-0'), undefined);
  });

  test(`holds at most ${TOKEN_CACHE_MAX_CHARS} token characters when tokens are large`, () => {
    const scope = {};
    const large = 'x'.repeat(8191);
    for (let i = 0; i < 1000; i++) rememberVerified(scope, `${large}${i % 10}-${i}`, entryContext(), {});
    const usage = tokenCacheUsage();
    assert.ok(usage.chars <= TOKEN_CACHE_MAX_CHARS, `${usage.chars} chars`);
    assert.ok(usage.entries <= Math.floor(TOKEN_CACHE_MAX_CHARS / 8192) + 1, `${usage.entries} entries`);
  });

  test('spares a token served since the last sweep when making room (second chance)', () => {
    const scope = {};
    for (let i = 0; i < TOKEN_CACHE_MAX_ENTRIES; i++) rememberVerified(scope, `token-${i}`, entryContext(), {});
    assert.ok(findVerified(scope, 'token-0'));
    rememberVerified(scope, 'newcomer', entryContext(), {});
    assert.ok(findVerified(scope, 'token-0'), 'the served token stays');
    assert.equal(findVerified(scope, 'token-1'), undefined, 'the oldest unserved token made room');
    assert.equal(tokenCacheUsage().entries, TOKEN_CACHE_MAX_ENTRIES);
  });
});

// A token cut out of a Cookie header is a V8 sliced string of the whole header;
// a note that is a slice of it would keep every header alive (the review saw
// 236 MB after 4,000 requests with ~60 KB headers). Measured in a child
// `node --expose-gc`: 60 distinct tokens from 200 KB headers.
describe('seen-once notes', () => {
  test('keep none of the Cookie headers the tokens were cut from', async () => {
    const { retainedBytes, headerBytes } = await retainedHeap('seen-once-notes');
    assert.ok(retainedBytes < headerBytes / 8, `${retainedBytes} bytes retained after ${headerBytes} bytes of headers`);
  });
});
