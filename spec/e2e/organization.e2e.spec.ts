// Logto organization tokens, real ones from the embedded issuer, under Logto's
// three permission models: global API resources (aud: the API), organization-level
// API resources (aud: the API, plus organization_id), and organization permissions
// (aud: urn:logto:organization:<id>). An API resource audience is always checked;
// an organization token passes only where requiredOrganization names its organization.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { createExpressAuthMiddleware, type WithAuth } from '../../lib/adapters/express.ts';
import { verifyAuth } from '../../lib/verify.ts';
import { startLogtoIssuer, type LogtoIssuer } from '../helpers/logto-issuer.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';

let logto: LogtoIssuer;
let app: LoopbackServer;

before(async () => {
  logto = await startLogtoIssuer();
  const api = express();
  const base = { logtoUrl: logto.logtoUrl, audience: logto.audience };
  const echo = (req: express.Request, res: express.Response) => res.json(authOf(req));
  api.get('/any-org', createExpressAuthMiddleware({ ...base, requiredOrganization: true }), echo);
  api.get('/org-1', createExpressAuthMiddleware({ ...base, requiredOrganization: 'org_1' }), echo);
  api.get('/members', createExpressAuthMiddleware({ ...base, requiredOrganization: ['org_1'], requiredScope: 'read:members' }), echo);
  api.get('/plain', createExpressAuthMiddleware(base), echo);
  api.get('/other-api', createExpressAuthMiddleware({ ...base, audience: 'https://other-api.example.test', requiredOrganization: true }), echo);
  app = await serveOnLoopback(api);
});
after(async () => {
  await app.close();
  await logto.close();
});

const options = (extra: Record<string, unknown>) => ({ logtoUrl: logto.logtoUrl, audience: logto.audience, ...extra });
const get = (path: string, token: string) => fetch(app.url + path, { headers: { authorization: `Bearer ${token}` } });

describe('verifyAuth with requiredOrganization', () => {
  test('accepts an organization token (urn:logto:organization audience) and reads the organization', async () => {
    const token = await logto.getOrganizationToken('org_1');
    const context = await verifyAuth(token, options({ requiredOrganization: 'org_1' }));
    assert.equal(context.isAuthenticated, true);
    assert.equal(context.organizationId, 'org_1');
    assert.equal(context.payload?.aud, 'urn:logto:organization:org_1');
  });

  test('refuses an organization token where any organization will do: only named organizations opt in', async () => {
    const token = await logto.getOrganizationToken('org_1');
    await assert.rejects(verifyAuth(token, options({ requiredOrganization: true })), { code: 'AUDIENCE_INVALID', status: 401 });
    await assert.rejects(verifyAuth(token, options({ requiredOrganization: true, audience: 'https://other-api.example.test' })), { code: 'AUDIENCE_INVALID', status: 401 });
  });

  test('accepts an organization token whose URN the audience lists', async () => {
    const context = await verifyAuth(await logto.getOrganizationToken('org_2'), options({ audience: [logto.audience, 'urn:logto:organization:org_2'] }));
    assert.equal(context.organizationId, 'org_2');
  });

  test('checks the API resource audience of an organization-level token', async () => {
    const token = await logto.getToken({ organizationId: 'org_1' });
    await assert.rejects(verifyAuth(token, options({ requiredOrganization: 'org_1', audience: 'https://other-api.example.test' })), { code: 'AUDIENCE_INVALID', status: 401 });
  });

  test('accepts an organization-level API resource token (aud plus organization_id)', async () => {
    const token = await logto.getToken({ organizationId: 'org_2' });
    const context = await verifyAuth(token, options({ requiredOrganization: true }));
    assert.equal(context.organizationId, 'org_2');
    assert.equal(context.payload?.organization_id, 'org_2');
  });

  test('answers 403 ORGANIZATION_INVALID for another organization, in both forms', async () => {
    for (const token of [await logto.getOrganizationToken('org_2'), await logto.getToken({ organizationId: 'org_2' })]) {
      await assert.rejects(verifyAuth(token, options({ requiredOrganization: ['org_1'] })), { code: 'ORGANIZATION_INVALID', status: 403 });
    }
  });

  test('answers 403 ORGANIZATION_INVALID for a token of no organization, and stays 403 in guest mode', async () => {
    const token = await logto.getToken();
    await assert.rejects(verifyAuth(token, options({ requiredOrganization: true })), { code: 'ORGANIZATION_INVALID', status: 403 });
    await assert.rejects(verifyAuth(token, options({ requiredOrganization: true, allowGuest: true })), { code: 'ORGANIZATION_INVALID', status: 403 });
  });

  test('reads the organization into the context even when none is required', async () => {
    const context = await verifyAuth(await logto.getToken({ organizationId: 'org_1' }), options({}));
    assert.equal(context.organizationId, 'org_1');
    assert.equal((await verifyAuth(await logto.getToken(), options({}))).organizationId, undefined);
  });

  test('keeps refusing an organization audience where no organization is required', async () => {
    await assert.rejects(verifyAuth(await logto.getOrganizationToken('org_1'), options({})), { code: 'AUDIENCE_INVALID', status: 401 });
  });
});

describe('the Express middleware with requiredOrganization', () => {
  test('lets a token of the organization through with auth.organizationId', async () => {
    const response = await get('/org-1', await logto.getOrganizationToken('org_1'));
    assert.equal(response.status, 200);
    assert.equal((await response.json()).organizationId, 'org_1');
    assert.equal((await get('/any-org', await logto.getToken({ organizationId: 'org_2' }))).status, 200);
  });

  test('answers 401 AUDIENCE_INVALID for an organization token where any organization will do, and on another API', async () => {
    for (const path of ['/any-org', '/other-api']) {
      const response = await get(path, await logto.getOrganizationToken('org_1'));
      assert.equal(response.status, 401, path);
      assert.equal((await response.json()).error, 'AUDIENCE_INVALID');
      assert.match(response.headers.get('www-authenticate')!, /^Bearer error="invalid_token"/);
    }
    assert.equal((await get('/other-api', await logto.getToken({ organizationId: 'org_1' }))).status, 401);
  });

  test('answers 403 insufficient_scope for the wrong organization', async () => {
    const response = await get('/org-1', await logto.getOrganizationToken('org_2'));
    assert.equal(response.status, 403);
    assert.equal((await response.json()).error, 'ORGANIZATION_INVALID');
    assert.match(response.headers.get('www-authenticate')!, /^Bearer error="insufficient_scope"/);
  });

  test('checks organization permissions as scopes', async () => {
    assert.equal((await get('/members', await logto.getOrganizationToken('org_1', { scope: 'read:members' }))).status, 200);
    const response = await get('/members', await logto.getOrganizationToken('org_1', { scope: 'invite:member' }));
    assert.equal(response.status, 403);
    assert.equal((await response.json()).error, 'SCOPE_MISSING');
  });

  test('answers 401 AUDIENCE_INVALID for an organization token on a route without requiredOrganization', async () => {
    const response = await get('/plain', await logto.getOrganizationToken('org_1'));
    assert.equal(response.status, 401);
    assert.equal((await response.json()).error, 'AUDIENCE_INVALID');
  });
});

// the bench's express-oauth2-jwt-bearer declares its own req.auth globally, so read ours through WithAuth
function authOf(req: express.Request): WithAuth['auth'] {
  return (req as unknown as WithAuth).auth;
}
