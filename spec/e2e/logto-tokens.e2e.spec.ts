// Real access tokens from node-oidc-provider configured like Logto (the server
// Logto is built on), verified through every entry point of the library.
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import express from 'express';
import { NextRequest } from 'next/server.js';
import { createExpressAuthMiddleware, type WithAuth } from '../../lib/adapters/express.ts';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import { recordEvents } from '../helpers/event-recorder.ts';
import { verifyNextAuth, withAuth } from '../../lib/adapters/next.ts';
import { verifyAuth, verifyLogtoToken } from '../../lib/verify.ts';
import { startLogtoIssuer, type LogtoIssuer, type LogtoIssuerAlg } from '../helpers/logto-issuer.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';

for (const alg of ['ES384', 'RS256'] satisfies LogtoIssuerAlg[]) {
  describe(`tokens from a Logto-shaped issuer signing with ${alg}`, () => {
    let logto: LogtoIssuer;
    let options: { logtoUrl: string; audience: string; requiredScope: string };
    let app: LoopbackServer;

    before(async () => {
      clearJwksCache();
      logto = await startLogtoIssuer({ alg });
      options = { logtoUrl: logto.logtoUrl, audience: logto.audience, requiredScope: 'read:data' };
      const api = express();
      api.get('/me', createExpressAuthMiddleware(options), (req, res) => res.json(authOf(req)));
      app = await serveOnLoopback(api);
    });
    after(async () => {
      await app.close();
      await logto.close();
    });

    const expectClient = (context: { userId: string | null; isAuthenticated: boolean; payload: Record<string, unknown> | null }) => {
      assert.equal(context.isAuthenticated, true);
      assert.equal(context.userId, logto.clientId);
      assert.equal(context.payload?.iss, logto.issuer);
      assert.equal(context.payload?.aud, logto.audience);
      assert.equal(context.payload?.scope, 'read:data write:data');
    };

    test('verifies through verifyLogtoToken', async () => {
      expectClient(await verifyLogtoToken(await logto.getToken(), options));
    });

    test('verifies through verifyAuth with a Fetch Request and with a cookie', async () => {
      const token = await logto.getToken();
      expectClient(await verifyAuth(new Request('https://app.example/api', { headers: { authorization: `Bearer ${token}` } }), options));
      expectClient(await verifyAuth({ headers: { cookie: `logto_authtoken=${token}` } }, options));
    });

    test('verifies through the Express middleware over HTTP', async () => {
      const response = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${await logto.getToken()}` } });
      assert.equal(response.status, 200);
      expectClient(await response.json());
    });

    test('verifies through verifyNextAuth and withAuth with a NextRequest', async () => {
      const token = await logto.getToken();
      const request = new NextRequest('http://127.0.0.1/api/me', { headers: { cookie: `logto_authtoken=${token}` } });
      const result = await verifyNextAuth(request, options);
      assert.equal(result.success, true);
      if (result.success) expectClient(result.auth);
      const handler = withAuth(async (_request, auth) => Response.json(auth), options);
      const response = await handler(new NextRequest('http://127.0.0.1/api/me', { headers: { authorization: `Bearer ${token}` } }), {});
      assert.equal(response.status, 200);
      expectClient(await response.json());
    });

    test('answers SCOPE_MISSING (403) for a token issued with a narrower scope', async () => {
      const token = await logto.getToken({ scope: 'write:data' });
      await assert.rejects(verifyLogtoToken(token, options), { code: 'SCOPE_MISSING', status: 403 });
      const response = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 403);
      assert.match(response.headers.get('www-authenticate')!, /scope="read:data"/);
    });

    test('picks up a rotated key with the first token it signs, and drops a retired one once the refresh after the TTL succeeded', async () => {
      mock.timers.enable({ apis: ['Date'], now: Date.now() });
      try {
        const hook = recordEvents();
        const ttl = { ...options, jwksCacheTtl: 60_000, onEvent: hook.onEvent };
        const oldToken = await logto.getToken();
        await verifyLogtoToken(oldToken, ttl);
        const hits = logto.jwksHits();
        await logto.rotateKey();
        const newToken = await logto.getToken();
        expectClient(await verifyLogtoToken(newToken, ttl));
        assert.equal(logto.jwksHits(), hits + 1);
        expectClient(await verifyLogtoToken(oldToken, ttl));
        await logto.retireOldKeys();
        mock.timers.tick(60_000);
        const fetched = hook.count('jwks-fetched');
        // past the TTL the keys at hand answer while the refresh runs (stale-while-revalidate)
        expectClient(await verifyLogtoToken(oldToken, ttl));
        await hook.until('jwks-fetched', fetched + 1);
        await assert.rejects(verifyLogtoToken(oldToken, ttl), { code: 'KEY_NOT_FOUND', status: 401 });
        expectClient(await verifyLogtoToken(newToken, ttl));
      } finally {
        mock.timers.reset();
      }
    });
  });
}

// the bench's express-oauth2-jwt-bearer declares its own req.auth globally, so read ours through WithAuth
function authOf(req: express.Request): WithAuth['auth'] {
  return (req as unknown as WithAuth).auth;
}
