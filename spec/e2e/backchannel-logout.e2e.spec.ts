// Real logout tokens: the embedded node-oidc-provider (the server Logto is
// built on) signs them and POSTs them to our endpoint, as its end_session does.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { getRequestListener } from '@hono/node-server';
import { createBackchannelLogoutHandler, createNodeBackchannelLogoutHandler } from '../../lib/adapters/revocation-handlers.ts';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import { verifyLogtoToken } from '../../lib/verify.ts';
import { startLogtoIssuer, WEB_CLIENT_ID, type LogtoIssuer } from '../helpers/logto-issuer.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';

for (const kind of ['Express', 'Fetch'] as const) {
  describe(`back-channel logout through the ${kind} handler`, () => {
    let app: LoopbackServer;
    let logto: LogtoIssuer;
    const revoked: string[] = [];
    const received: { status: number; token: string }[] = [];
    let nodeHandler: ReturnType<typeof createNodeBackchannelLogoutHandler> | undefined;

    before(async () => {
      clearJwksCache();
      // the issuer's URL is needed for the handler and the handler's URL for the issuer: a late binding
      let respond: ((request: Request) => Promise<Response>) | undefined;
      const record = async (request: Request, answer: () => Promise<Response>): Promise<Response> => {
        const token = new URLSearchParams(await request.clone().text()).get('logout_token') ?? '';
        const response = await answer();
        received.push({ status: response.status, token });
        return response;
      };
      if (kind === 'Express') {
        const api = express();
        api.post('/logout', express.urlencoded({ extended: false }), (req, res, next) => {
          res.on('finish', () => received.push({ status: res.statusCode, token: String(req.body.logout_token ?? '') }));
          if (!nodeHandler) return next();
          void nodeHandler(req, res);
        });
        app = await serveOnLoopback(api);
      } else {
        // the Fetch handler, as a Next route handler, Hono or a Worker calls it
        app = await serveOnLoopback(getRequestListener((request) => record(request, () => respond!(request))));
      }
      logto = await startLogtoIssuer({ backchannelLogoutUri: `${app.url}/logout` });
      const options = {
        logtoUrl: logto.logtoUrl,
        clientId: WEB_CLIENT_ID,
        revocation: { revokeUser: (sub: string) => void revoked.push(`user:${sub}`), revokeSession: (sid: string) => void revoked.push(`session:${sid}`) },
      };
      if (kind === 'Express') nodeHandler = createNodeBackchannelLogoutHandler(options);
      else respond = createBackchannelLogoutHandler(options);
    });
    after(async () => {
      await logto.close();
      await app.close();
    });

    test('revokes the user and the session named by a real logout token (the default: Logto access tokens carry no sid) and answers 200', async () => {
      await logto.backchannelLogout('user_42', 'session_42');
      assert.equal(received.at(-1)?.status, 200);
      assert.deepEqual(revoked, ['session:session_42', 'user:user_42']);
    });

    test('refuses the same logout token again (replay) with 400', async () => {
      const token = received.at(-1)!.token;
      const response = await fetch(`${app.url}/logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logout_token: token }) });
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await response.json(), { error: 'invalid_request', error_description: 'the logout token was already used' });
      assert.deepEqual(revoked, ['session:session_42', 'user:user_42']);
    });

    test('refuses an access token posted as a logout token', async () => {
      const response = await fetch(`${app.url}/logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logout_token: await logto.getToken() }) });
      assert.equal(response.status, 400);
      assert.deepEqual(await response.json(), { error: 'invalid_request', error_description: 'the logout token is not valid (TOKEN_TYPE_INVALID)' });
    });

    test('a real logout token is never accepted as an access token', async () => {
      await assert.rejects(verifyLogtoToken(received[0]!.token, { logtoUrl: logto.logtoUrl, audience: WEB_CLIENT_ID }), { code: 'TOKEN_TYPE_INVALID', status: 401 });
    });
  });
}
