// A Logto webhook, signed as Logto signs it, through a real revocation list:
// the user's real token, already in the verified-token cache, is refused with
// 401 TOKEN_REVOKED by the API at once; a scope removed from a role revokes
// the earlier tokens that carry a scope; a new token passes.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, mock, test } from 'node:test';
import express from 'express';
import { createExpressAuthMiddleware, type WithAuth } from '../../lib/adapters/express.ts';
import { createNodeLogtoWebhookHandler } from '../../lib/adapters/revocation-handlers.ts';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import { createRevocationList, type RevocationList } from '../../lib/revocation/revocation-list.ts';
import { memoryStore } from '../../lib/stores/memory.ts';
import { startLogtoIssuer, type LogtoIssuer } from '../helpers/logto-issuer.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';

const SIGNING_KEY = 'whsec_e2e';

describe('Logto webhooks revoke through the revocation list', () => {
  let logto: LogtoIssuer;
  let app: LoopbackServer;
  let revocation: RevocationList;

  before(async () => {
    clearJwksCache();
    logto = await startLogtoIssuer();
    revocation = createRevocationList({ store: memoryStore() });
    await revocation.ready();
    const api = express();
    api.post('/hooks/logto', createNodeLogtoWebhookHandler({ signingKey: SIGNING_KEY, revocation }));
    api.get('/me', createExpressAuthMiddleware({ logtoUrl: logto.logtoUrl, audience: logto.audience, revocation }), (req, res) => res.json({ user: (req as express.Request & WithAuth).auth?.userId }));
    app = await serveOnLoopback(api);
  });
  after(async () => {
    await revocation.close();
    await app.close();
    await logto.close();
  });

  const call = (token: string) => fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${token}` } });
  const deliver = (payload: object) => {
    const body = JSON.stringify(payload);
    return fetch(`${app.url}/hooks/logto`, { method: 'POST', headers: { 'content-type': 'application/json', 'logto-signature-sha-256': createHmac('sha256', SIGNING_KEY).update(body).digest('hex') }, body });
  };

  test('a suspended user is refused at once, from the verified-token cache too', async () => {
    const token = await logto.getToken();
    for (let i = 0; i < 3; i++) assert.equal((await call(token)).status, 200); // cached from the second call on
    const hook = await deliver({ hookId: 'h1', event: 'User.SuspensionStatus.Updated', createdAt: new Date().toISOString(), params: { userId: logto.clientId }, data: { id: logto.clientId, isSuspended: true } });
    assert.equal(hook.status, 200);
    const refused = await call(token);
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: string }).error, 'TOKEN_REVOKED');
    assert.match(refused.headers.get('www-authenticate')!, /^Bearer error="invalid_token"/);
  });

  test("a scope removed from a role refuses the earlier tokens that carry a scope, and lets a new one through", async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() + 5_000 }); // a second later than the suspension, for a clean iat boundary
    try {
      // as Logto 1.42 sends it: the role and the scope by id, no user named
      const hook = await deliver({ hookId: 'h1', event: 'Role.Scopes.Updated', createdAt: new Date().toISOString(), method: 'DELETE', matchedRoute: '/roles/:id/scopes/:scopeId', params: { id: 'role_1', scopeId: 'scope_1' }, data: null });
      assert.deepEqual(await hook.json(), { ok: true, revoked: 1, duplicate: false });
    } finally {
      mock.timers.reset();
    }
    const now = Math.floor(Date.now() / 1000);
    assert.equal(revocation.isRevoked({ sub: 'someone-else', iat: now, scope: 'read:data' }), true);
    assert.equal(revocation.isRevoked({ sub: 'someone-else', iat: now }), false, 'a token with no scope lost nothing');
    assert.equal(revocation.isRevoked({ sub: 'someone-else', iat: now + 10, scope: 'read:data' }), false);
  });
});
