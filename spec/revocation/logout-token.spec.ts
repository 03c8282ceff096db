import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import { resolveBackchannelLogout, handleBackchannelLogout, type BackchannelLogoutSettings } from '../../lib/revocation/backchannel-logout.ts';
import { BACKCHANNEL_LOGOUT_EVENT, verifyLogoutToken } from '../../lib/revocation/logout-token.ts';
import { verifyLogtoToken } from '../../lib/verify.ts';
import { cloudflareKvStore } from '../../lib/stores/cloudflare-kv.ts';
import { memoryStore } from '../../lib/stores/memory.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint, type TestKey } from '../helpers/keys.ts';

const CLIENT_ID = 'web-app';
let key: TestKey;
let other: TestKey;
let server: JwksServer;
let settings: BackchannelLogoutSettings;
const revoked: string[] = [];

// a logout token as OIDC Back-Channel Logout 1.0 §2.4 shapes one (and as oidc-provider signs it)
function logoutToken(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, signer: TestKey = key): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return mint(signer, {
    iss: server.issuer,
    aud: CLIENT_ID,
    expiresIn: 120,
    header: { typ: 'logout+jwt', ...header },
    claims: { sub: 'user_1', sid: 'sid_1', iat: now, jti: crypto.randomUUID(), events: { [BACKCHANNEL_LOGOUT_EVENT]: {} }, scope: undefined, client_id: undefined, ...claims },
  });
}

before(async () => {
  clearJwksCache();
  key = await makeKey('ES384', 'logout');
  other = await makeKey('ES384', 'logout', { fresh: true });
  server = await startJwksServer([key.publicJwk]);
  settings = resolveBackchannelLogout({
    logtoUrl: server.logtoUrl,
    clientId: CLIENT_ID,
    revocation: { revokeUser: (sub) => void revoked.push(`user:${sub}`), revokeSession: (sid) => void revoked.push(`session:${sid}`) },
  });
});
after(() => server.close());

describe('verifyLogoutToken', () => {
  test('returns whose session ended', async () => {
    const claims = await verifyLogoutToken(await logoutToken(), settings.expectations);
    assert.equal(claims.sub, 'user_1');
    assert.equal(claims.sid, 'sid_1');
    assert.equal(claims.iss, server.issuer);
  });

  test('accepts a token without exp (older Logto omits it)', async () => {
    const claims = await verifyLogoutToken(await logoutToken({ exp: undefined }), settings.expectations);
    assert.equal(claims.exp, undefined);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const forgeries: { description: string; token: () => Promise<string>; code: string }[] = [
    { description: 'an access token (typ at+jwt)', token: () => logoutToken({}, { typ: 'at+jwt' }), code: 'TOKEN_TYPE_INVALID' },
    { description: 'a token without typ', token: () => logoutToken({}, { typ: undefined }), code: 'TOKEN_TYPE_INVALID' },
    { description: 'a token for another client', token: () => logoutToken({ aud: 'another-app' }), code: 'AUDIENCE_INVALID' },
    { description: 'a token from another issuer', token: () => logoutToken({ iss: 'https://evil.example/oidc' }), code: 'ISSUER_INVALID' },
    { description: 'a token signed with another key under the same kid', token: () => logoutToken({}, {}, other), code: 'SIGNATURE_INVALID' },
    { description: 'a stale iat', token: () => logoutToken({ iat: now() - 600 }), code: 'TOKEN_EXPIRED' },
    { description: 'an iat in the future', token: () => logoutToken({ iat: now() + 600 }), code: 'TOKEN_NOT_YET_VALID' },
    { description: 'a past exp', token: () => logoutToken({ exp: now() - 1 }), code: 'TOKEN_EXPIRED' },
    { description: 'a nonce (an ID token replayed as a logout token)', token: () => logoutToken({ nonce: 'n' }), code: 'TOKEN_MALFORMED' },
    { description: 'no back-channel logout event', token: () => logoutToken({ events: {} }), code: 'TOKEN_MALFORMED' },
    { description: 'an event that is not an object', token: () => logoutToken({ events: { [BACKCHANNEL_LOGOUT_EVENT]: true } }), code: 'TOKEN_MALFORMED' },
    { description: 'neither sub nor sid', token: () => logoutToken({ sub: undefined, sid: undefined }), code: 'TOKEN_MALFORMED' },
    { description: 'no jti', token: () => logoutToken({ jti: undefined }), code: 'TOKEN_MALFORMED' },
    { description: 'no iat', token: () => logoutToken({ iat: undefined }), code: 'TOKEN_MALFORMED' },
  ];
  for (const forgery of forgeries) {
    test(`refuses ${forgery.description} with ${forgery.code}`, async () => {
      await assert.rejects(verifyLogoutToken(await forgery.token(), settings.expectations), { code: forgery.code });
    });
  }

  test('is never accepted as an access token', async () => {
    await assert.rejects(verifyLogtoToken(await logoutToken({ exp: now() + 60 }), { logtoUrl: server.logtoUrl, audience: CLIENT_ID }), { code: 'TOKEN_TYPE_INVALID' });
  });
});

describe('handleBackchannelLogout', () => {
  const form = (token: string) => new URLSearchParams({ logout_token: token }).toString();
  const FORM = 'application/x-www-form-urlencoded';

  test('revokes the session, answers 200, and refuses the same token again', async () => {
    const token = await logoutToken({ sid: 'sid_replay' });
    assert.deepEqual(await handleBackchannelLogout(form(token), FORM, settings), { status: 200, body: { ok: true } });
    assert.ok(revoked.includes('session:sid_replay'));
    assert.deepEqual(await handleBackchannelLogout(form(token), FORM, settings), { status: 400, body: { error: 'invalid_request', error_description: 'the logout token was already used' } });
  });

  test('revokes the user when the token has no sid', async () => {
    await handleBackchannelLogout(form(await logoutToken({ sub: 'user_no_sid', sid: undefined })), FORM, settings);
    assert.ok(revoked.includes('user:user_no_sid'));
  });

  test('by default revokes the user as well as the session: Logto access tokens carry no sid', async () => {
    const calls: string[] = [];
    const byDefault = resolveBackchannelLogout({ logtoUrl: server.logtoUrl, clientId: CLIENT_ID, revocation: { revokeUser: (sub) => void calls.push(`user:${sub}`), revokeSession: (sid) => void calls.push(`session:${sid}`) } });
    assert.equal(byDefault.revoke, 'user');
    await handleBackchannelLogout(form(await logoutToken({ sub: 'user_default', sid: 'sid_default' })), FORM, byDefault);
    assert.deepEqual(calls, ['session:sid_default', 'user:user_default']);
  });

  test('revoke: session revokes only the session when the token has a sid', async () => {
    const calls: string[] = [];
    const bySession = resolveBackchannelLogout({ logtoUrl: server.logtoUrl, clientId: CLIENT_ID, revoke: 'session', revocation: { revokeUser: (sub) => void calls.push(`user:${sub}`), revokeSession: (sid) => void calls.push(`session:${sid}`) } });
    await handleBackchannelLogout(form(await logoutToken({ sub: 'user_s', sid: 'sid_s' })), FORM, bySession);
    assert.deepEqual(calls, ['session:sid_s']);
  });

  test('a token whose revocation failed is not remembered: the same token again applies it', async () => {
    let failing = true;
    const calls: string[] = [];
    const flaky = resolveBackchannelLogout({ logtoUrl: server.logtoUrl, clientId: CLIENT_ID, revocation: { revokeUser: (sub) => (failing ? Promise.reject(new Error('store down')) : void calls.push(`user:${sub}`)), revokeSession: (sid) => void calls.push(`session:${sid}`) } });
    const token = await logoutToken({ sub: 'user_retry', sid: 'sid_retry' });
    await assert.rejects(handleBackchannelLogout(form(token), FORM, flaky), /store down/);
    failing = false;
    assert.deepEqual(await handleBackchannelLogout(form(token), FORM, flaky), { status: 200, body: { ok: true } });
    assert.deepEqual(calls, ['session:sid_retry', 'session:sid_retry', 'user:user_retry']);
  });

  test('refuses a store without atomic set-if-absent (Cloudflare KV) with a TypeError at construction', () => {
    const kv = cloudflareKvStore({ get: async () => null, put: async () => undefined, delete: async () => undefined });
    const revocation = { revokeUser: () => {}, revokeSession: () => {} };
    assert.throws(() => resolveBackchannelLogout({ logtoUrl: server.logtoUrl, clientId: CLIENT_ID, revocation, store: kv }), /atomic set-if-absent/);
    assert.throws(() => resolveBackchannelLogout({ logtoUrl: server.logtoUrl, clientId: CLIENT_ID, revocation, store: { setIfAbsent: async () => true } as never }), TypeError);
    assert.doesNotThrow(() => resolveBackchannelLogout({ logtoUrl: server.logtoUrl, clientId: CLIENT_ID, revocation, store: memoryStore() }));
  });

  test('revokes the user too under revoke: user', async () => {
    const byUser = resolveBackchannelLogout({ logtoUrl: server.logtoUrl, clientId: CLIENT_ID, revoke: 'user', revocation: { revokeUser: (sub) => void revoked.push(`user:${sub}`), revokeSession: (sid) => void revoked.push(`session:${sid}`) } });
    await handleBackchannelLogout(form(await logoutToken({ sub: 'user_all', sid: 'sid_all' })), FORM, byUser);
    assert.ok(revoked.includes('user:user_all') && revoked.includes('session:sid_all'));
  });

  test('answers 400 invalid_request for another content type, no token, or two tokens', async () => {
    const token = await logoutToken();
    for (const [body, type] of [[form(token), 'application/json'], ['', FORM], [`${form(token)}&${form(token)}`, FORM]] as const) {
      const answer = await handleBackchannelLogout(body, type, settings);
      assert.equal(answer.status, 400);
      assert.equal((answer.body as { error: string }).error, 'invalid_request');
    }
  });

  test('never puts the token into its answer', async () => {
    const token = await logoutToken({ nonce: 'x' });
    const answer = await handleBackchannelLogout(form(token), FORM, settings);
    assert.equal(answer.status, 400);
    const text = JSON.stringify(answer);
    for (const part of token.split('.')) assert.ok(!text.includes(part));
  });
});
