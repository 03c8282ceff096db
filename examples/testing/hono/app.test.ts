// Vitest + Hono's app.request(): no server, no tenant, no socket for the JWKS.
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuer } from 'logto-authkit/testing';
import { createApp } from './app.ts';

describe('GET /api/data', () => {
  let issuer: TestIssuer;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    issuer = await createTestIssuer();
    app = createApp(issuer.options);
  });

  it('answers 200 with the user for a token with read:data', async () => {
    const token = await issuer.accessToken({ sub: 'alice', scope: 'read:data' });
    const response = await app.request('/api/data', { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ userId: 'alice' });
  });

  it('answers 401 for a token signed by a key the issuer never published', async () => {
    const response = await app.request('/api/data', { headers: { authorization: `Bearer ${await issuer.strangerToken({ scope: 'read:data' })}` } });
    expect(response.status).toBe(401);
    expect((await response.json()).error).toBe('KEY_NOT_FOUND');
  });

  it('answers 403 for a token without read:data', async () => {
    const response = await app.request('/api/data', { headers: { authorization: `Bearer ${await issuer.accessToken({ scope: 'read:other' })}` } });
    expect(response.status).toBe(403);
    expect((await response.json()).error).toBe('SCOPE_MISSING');
  });
});
