// The revocation stage of the pipeline (lib/revocation/assert-not-revoked.ts,
// wired in lib/verify.ts): real tokens against a loopback JWKS, a revocation
// list over the memory store, and the HTTP answer an adapter sends.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import express from 'express';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import { clearTokenCache, tokenCacheUsage } from '../../lib/token-cache.ts';
import { verifyAuth, verifyLogtoToken } from '../../lib/verify.ts';
import { createExpressAuthMiddleware } from '../../lib/adapters/express.ts';
import { createRevocationList, type RevocationList } from '../../lib/revocation/revocation-list.ts';
import { memoryStore } from '../../lib/stores/memory.ts';
import type { AuthEvent } from '../../lib/events.ts';
import type { VerifyAuthOptions } from '../../lib/options.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint, type TestKey } from '../helpers/keys.ts';
import { serveOnLoopback } from '../helpers/loopback.ts';

const AUDIENCE = 'https://api.example.test';
let server: JwksServer;
let key: TestKey;
let list: RevocationList;

before(async () => {
  key = await makeKey('ES384', 'revocation-key');
  server = await startJwksServer([key.publicJwk]);
});
after(() => server.close());
beforeEach(() => {
  clearJwksCache();
  clearTokenCache();
  // syncIntervalMs 0: no timer; this instance's own revocations apply at once
  list = createRevocationList({ store: memoryStore(), syncIntervalMs: 0 });
});
afterEach(() => list.close());

const nowSec = () => Math.floor(Date.now() / 1000);
const options = (extra: Partial<VerifyAuthOptions> = {}): VerifyAuthOptions => ({ logtoUrl: server.logtoUrl, audience: AUDIENCE, revocation: list, ...extra });
const token = (claims: Record<string, unknown> = {}) => mint(key, { iss: server.issuer, aud: AUDIENCE, claims });
const revoked = { code: 'TOKEN_REVOKED', status: 401 };

describe('the revocation stage', () => {
  const vectors: [string, (l: RevocationList) => Promise<void>, Record<string, unknown>][] = [
    ['a token of a user revoked after it was issued', (l) => l.revokeUser('user_123'), {}],
    ['a token revoked by its jti', (l) => l.revokeToken('jti-1'), { jti: 'jti-1' }],
    ['a token of a revoked session (sid custom claim)', (l) => l.revokeSession('sid-1'), { sid: 'sid-1' }],
    ['a token of a revoked user that carries no iat', (l) => l.revokeUser('user_123'), { iat: undefined }],
  ];
  for (const [name, revoke, claims] of vectors) {
    test(`refuses ${name} with 401 TOKEN_REVOKED`, async () => {
      const jwt = await token(claims);
      await revoke(list);
      await assert.rejects(verifyLogtoToken(jwt, options()), revoked);
    });
  }

  test('refuses a token stamped 5 s after a user revocation by an issuer whose clock is ahead, with clockTolerance 60', async () => {
    const jwt = await token({ iat: nowSec() + 5 });
    await list.revokeUser('user_123');
    await assert.rejects(verifyLogtoToken(jwt, options({ clockTolerance: 60 })), revoked);
  });

  test('accepts a token of a revoked user issued after the revocation', async () => {
    await list.revokeUser('user_123');
    const context = await verifyLogtoToken(await token({ iat: nowSec() + 1 }), options());
    assert.equal(context.userId, 'user_123');
  });

  test('accepts every other token while the list names someone else', async () => {
    await list.revokeUser('user_999');
    await list.revokeToken('jti-x');
    await list.revokeSession('sid-x');
    assert.equal((await verifyLogtoToken(await token({ sid: 'sid-1' }), options())).userId, 'user_123');
  });

  test('refuses a revoked user on the verified-token cache hit path too', async () => {
    const jwt = await token();
    const opts = options();
    await verifyLogtoToken(jwt, opts);
    await verifyLogtoToken(jwt, opts);
    assert.equal(tokenCacheUsage().entries, 1, 'the token is remembered');
    await list.revokeUser('user_123');
    await assert.rejects(verifyLogtoToken(jwt, opts), revoked);
    await assert.rejects(verifyLogtoToken(jwt, opts), revoked, 'and stays refused');
  });

  test('refuses on the cache hit path by organization, scope and membership too (the Logto event dimensions)', async () => {
    const jwt = await token({ scope: 'read:data write:data', organization_id: 'org_1' });
    const other = await token({ sub: 'user_456', scope: 'read:data', organization_id: 'org_2' });
    const opts = options();
    for (let i = 0; i < 2; i++) {
      await verifyLogtoToken(jwt, opts);
      await verifyLogtoToken(other, opts);
    }
    assert.equal(tokenCacheUsage().entries, 2, 'both tokens are remembered');
    await list.revokeMembership('org_1', 'user_123');
    await assert.rejects(verifyLogtoToken(jwt, opts), { ...revoked, message: "the token was issued before its user's membership of its organization was revoked" });
    await list.revokeScope('write:data');
    await list.revokeOrganization('org_1');
    await assert.rejects(verifyLogtoToken(jwt, opts), revoked);
    assert.equal((await verifyLogtoToken(other, opts)).userId, 'user_456', 'another organization, without the scope: passes');
    await list.revokeOrganization('org_2');
    await assert.rejects(verifyLogtoToken(other, opts), { ...revoked, message: 'the token was issued before the tokens of its organization were revoked' });
  });

  test('tells onEvent what revoked the token and at which stage it was refused, without the token', async () => {
    const events: AuthEvent[] = [];
    const jwt = await token({ sid: 'sid-1' });
    await list.revokeSession('sid-1');
    await assert.rejects(verifyLogtoToken(jwt, options({ onEvent: (event) => events.push(event) })), revoked);
    const told = events.filter((event) => event.type === 'token-revoked' || event.type === 'rejected');
    assert.deepEqual(told[0], { type: 'token-revoked', by: 'sid', sub: 'user_123' });
    assert.equal(told[1]?.type === 'rejected' && `${told[1].code} ${told[1].stage}`, 'TOKEN_REVOKED revocation');
    assert.ok(!JSON.stringify(events).includes(jwt.split('.')[2]!));
  });

  test('answers 503 REVOCATION_UNAVAILABLE with Retry-After when the list fails closed, in guest mode too', async () => {
    const failingClosed = { check: () => 'unavailable' as const };
    const jwt = await token();
    await assert.rejects(verifyLogtoToken(jwt, options({ revocation: failingClosed })), { code: 'REVOCATION_UNAVAILABLE', status: 503 });
    await assert.rejects(verifyAuth(jwt, options({ revocation: failingClosed, allowGuest: true })), { code: 'REVOCATION_UNAVAILABLE', status: 503 });
  });

  test('makes a guest of a revoked token in guest mode, as of every 401', async () => {
    await list.revokeUser('user_123');
    const context = await verifyAuth({ headers: { authorization: `Bearer ${await token()}` } }, options({ allowGuest: true }));
    assert.equal(context.isGuest, true);
  });

  test('refuses a revocation option that is not a list with a TypeError', async () => {
    await assert.rejects(verifyLogtoToken(await token(), options({ revocation: {} as never })), TypeError);
  });
});

describe('the HTTP answer for a revoked token', () => {
  test('is 401 with error="invalid_token" and { error: "TOKEN_REVOKED" } from the Express middleware', async () => {
    const app = express();
    app.use(createExpressAuthMiddleware(options()));
    app.get('/', (_req, res) => void res.json({ ok: true }));
    const http = await serveOnLoopback(app);
    try {
      const jwt = await token();
      const headers = { authorization: `Bearer ${jwt}` };
      assert.equal((await fetch(http.url, { headers })).status, 200);
      await list.revokeUser('user_123');
      const response = await fetch(http.url, { headers });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate')!, /^Bearer error="invalid_token"/);
      assert.equal((await response.json()).error, 'TOKEN_REVOKED');
    } finally {
      await http.close();
    }
  });

  test('is 503 with Retry-After when the list fails closed', async () => {
    const app = express();
    app.use(createExpressAuthMiddleware(options({ revocation: { check: () => 'unavailable' } })));
    app.get('/', (_req, res) => void res.json({ ok: true }));
    const http = await serveOnLoopback(app);
    try {
      const response = await fetch(http.url, { headers: { authorization: `Bearer ${await token()}` } });
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '5');
      assert.equal((await response.json()).error, 'REVOCATION_UNAVAILABLE');
    } finally {
      await http.close();
    }
  });
});
