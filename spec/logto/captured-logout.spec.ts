// The back-channel logout POST a real Logto 1.42 sent after /oidc/session/end
// (fixtures/logto-1.42/07-backchannel-logout.json), replayed through the logout
// handler as it came (form body, headers), at the capture clock, with the JWKS
// Logto served: afterwards the access token carrying that session's `sid`
// (a custom JWT script put it there, 05b) is refused with TOKEN_REVOKED.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { createBackchannelLogoutHandler } from '../../lib/adapters/revocation-handlers.ts';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import { createRevocationList, type RevocationList } from '../../lib/revocation/revocation-list.ts';
import { memoryStore } from '../../lib/stores/memory.ts';
import { clearTokenCache } from '../../lib/token-cache.ts';
import { verifyLogtoToken } from '../../lib/verify.ts';
import { CAPTURED, CAPTURED_TOKENS, CAPTURE_TIME_MS, capturedJwksFetch, readCapture } from '../helpers/logto-captures.ts';

const capture = readCapture('07-backchannel-logout.json');
const delivery = capture.deliveries[0] as { headers: Record<string, string>; body: string };
const accessTokenWithSid: string = capture.session.accessTokenWithSid;
const SID = capture.session.idTokenSid as string;

describe('the back-channel logout a real Logto 1.42 sent, replayed', () => {
  let list: RevocationList;
  let jwksFetch: ReturnType<typeof capturedJwksFetch>;

  beforeEach(() => {
    mock.timers.enable({ apis: ['Date'], now: CAPTURE_TIME_MS });
    clearJwksCache();
    clearTokenCache();
    jwksFetch = capturedJwksFetch();
    list = createRevocationList({ store: memoryStore(), syncIntervalMs: 0 });
  });
  afterEach(async () => {
    await list.close();
    mock.timers.reset();
  });

  const verify = (token: string) => verifyLogtoToken(token, { logtoUrl: CAPTURED.logtoUrl, audience: CAPTURED.audience, fetch: jwksFetch, revocation: list });
  const handler = (revoke?: 'session' | 'user') => createBackchannelLogoutHandler({ logtoUrl: CAPTURED.logtoUrl, clientId: CAPTURED.webClientId, revocation: list, fetch: jwksFetch, ...(revoke ? { revoke } : {}) });
  const post = (respond: (request: Request) => Promise<Response>) => respond(new Request('http://127.0.0.1:4100/backchannel', { method: 'POST', headers: delivery.headers, body: delivery.body }));

  test('the captured tokens are what the recipe says: token.sid equals the logout token sid', () => {
    assert.equal(CAPTURED_TOKENS.logoutToken.claims!.sid, SID);
    assert.equal(CAPTURED_TOKENS.sidUser.claims!.sid, SID);
    assert.equal(CAPTURED_TOKENS.user.claims!.sid, undefined, "Logto's default access token carries no sid");
  });

  test('with revoke: session, the token of the ended session is refused and a token of another session passes', async () => {
    // both pass before the logout (the verified-token cache holds them afterwards)
    assert.equal((await verify(accessTokenWithSid)).userId, CAPTURED.userId);
    assert.equal((await verify(CAPTURED_TOKENS.user.raw)).userId, CAPTURED.userId);
    const response = await post(handler('session'));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await response.json(), { ok: true });
    await assert.rejects(verify(accessTokenWithSid), { code: 'TOKEN_REVOKED', status: 401 });
    await assert.rejects(verify(CAPTURED_TOKENS.sidUserFromRefresh.raw), { code: 'TOKEN_REVOKED', status: 401 });
    // signed in elsewhere, no sid of this session: still passes
    assert.equal((await verify(CAPTURED_TOKENS.user.raw)).userId, CAPTURED.userId);
  });

  test("by default (revoke: user), the user's tokens without sid are refused too, and the M2M app's pass", async () => {
    assert.equal((await verify(CAPTURED_TOKENS.user.raw)).userId, CAPTURED.userId);
    const response = await post(handler());
    assert.equal(response.status, 200);
    await assert.rejects(verify(accessTokenWithSid), { code: 'TOKEN_REVOKED', status: 401 });
    await assert.rejects(verify(CAPTURED_TOKENS.user.raw), { code: 'TOKEN_REVOKED', status: 401 });
    assert.equal((await verify(CAPTURED_TOKENS.m2m.raw)).userId, CAPTURED.m2mClientId);
  });

  test('the same logout token again is refused as already used', async () => {
    const respond = handler();
    assert.equal((await post(respond)).status, 200);
    const replay = await post(respond);
    assert.equal(replay.status, 400);
    assert.deepEqual(await replay.json(), { error: 'invalid_request', error_description: 'the logout token was already used' });
  });

  test('past its exp (iat + 120 s) the captured logout token is refused and revokes nothing', async () => {
    mock.timers.setTime((CAPTURED_TOKENS.logoutToken.claims!.exp as number) * 1000 + 1000);
    const response = await post(handler());
    assert.equal(response.status, 400);
    assert.equal(list.isRevoked({ sub: CAPTURED.userId, iat: 0, sid: SID }), false);
  });
});
