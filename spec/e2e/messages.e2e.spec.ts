// What goes over HTTP for a refused token names the check and the claim, never
// the configuration (audiences, organization ids, issuers, the algorithm
// allow-list: anyone holding any token of the tenant would read them) nor a
// part of the token. Expected values stay in `detail`, for logs and hooks.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { createExpressAuthMiddleware } from '../../lib/adapters/express.ts';
import type { AuthEvent } from '../../lib/events.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';
import { makeKey, mint, type MintOptions, type TestKey } from '../helpers/keys.ts';

const SECRET_AUDIENCE = 'https://secret-api.internal.example';
const SECRET_ISSUER = 'https://auth.secret-issuer.example/oidc';
const SECRET_ORGANIZATION = 'org_secret_payroll';
const SECRET_ALGORITHM = 'PS512';
let jwks: JwksServer;
let key: TestKey;
let otherAlgKey: TestKey;
let app: LoopbackServer;
const events: AuthEvent[] = [];

before(async () => {
  key = await makeKey('ES384', 'messages');
  otherAlgKey = await makeKey('ES256', 'messages-es256');
  jwks = await startJwksServer([key.publicJwk, otherAlgKey.publicJwk]);
  const api = express();
  api.get('/', createExpressAuthMiddleware({
    logtoUrl: jwks.logtoUrl,
    audience: [SECRET_AUDIENCE, 'urn:logto:organization:org_secret_listed'],
    issuer: [jwks.issuer, SECRET_ISSUER],
    requiredOrganization: [SECRET_ORGANIZATION, 'org_secret_other'],
    algorithms: ['ES384', SECRET_ALGORITHM],
    maxTokenAge: 600,
    onEvent: (event) => void events.push(event),
  }), (_req, res) => res.json({ ok: true }));
  app = await serveOnLoopback(api);
});
after(async () => {
  await app.close();
  await jwks.close();
});

const claims = (extra: Record<string, unknown>): Partial<MintOptions> => ({ claims: { organization_id: SECRET_ORGANIZATION, ...extra } });
const vectors: { description: string; mint: Partial<MintOptions>; signer?: 'es256'; code: string }[] = [
  { description: 'an algorithm outside the allow-list', mint: claims({}), signer: 'es256', code: 'ALGORITHM_NOT_ALLOWED' },
  { description: 'another issuer', mint: { ...claims({}), iss: 'https://other-tenant.logto.app/oidc' }, code: 'ISSUER_INVALID' },
  { description: 'another API', mint: { ...claims({}), aud: 'https://other-api.example' }, code: 'AUDIENCE_INVALID' },
  { description: 'an aud mixing an API and an organization', mint: { ...claims({}), aud: [SECRET_AUDIENCE, 'urn:logto:organization:org_1'] }, code: 'AUDIENCE_INVALID' },
  { description: 'an organization token of another organization', mint: { ...claims({ organization_id: undefined }), aud: 'urn:logto:organization:org_1' }, code: 'ORGANIZATION_INVALID' },
  { description: 'another organization', mint: claims({ organization_id: 'org_1' }), code: 'ORGANIZATION_INVALID' },
  { description: 'no organization', mint: claims({ organization_id: undefined }), code: 'ORGANIZATION_INVALID' },
  { description: 'a token older than maxTokenAge', mint: claims({ iat: Math.floor(Date.now() / 1000) - 3000 }), code: 'TOKEN_EXPIRED' },
  { description: 'a client_id that is not a string', mint: claims({ client_id: ['bar'] }), code: 'TOKEN_MALFORMED' },
];
// 'http://127.0.0.1:' stands for the loopback issuer and JWKS URL, configured too
const CONFIGURED = [SECRET_AUDIENCE, 'secret-api', SECRET_ISSUER, 'secret-issuer', 'http://127.0.0.1:', SECRET_ORGANIZATION, 'org_secret', SECRET_ALGORITHM, '600'];

describe('an error answer', () => {
  for (const vector of vectors) {
    test(`for ${vector.description} carries no configured value and no token part, in the body or the challenge`, async () => {
      const token = await mint(vector.signer === 'es256' ? otherAlgKey : key, { iss: jwks.issuer, aud: SECRET_AUDIENCE, ...vector.mint });
      events.length = 0;
      const response = await fetch(app.url, { headers: { authorization: `Bearer ${token}` } });
      const body = await response.json();
      assert.equal(body.error, vector.code);
      const challenge = response.headers.get('www-authenticate') ?? '';
      assert.match(challenge, /^Bearer error="(invalid_token|insufficient_scope)"/);
      const sent = `${JSON.stringify(body)}\n${challenge}`;
      for (const value of CONFIGURED) assert.ok(!sent.includes(value), `${vector.code} sends ${value}: ${sent}`);
      for (const part of token.split('.')) assert.ok(!sent.includes(part), `${vector.code} sends a token part`);
      // the expected values are still there for whoever reads detail (the rejected event, logs)
      const rejected = events.filter((event) => event.type === 'rejected');
      assert.equal(rejected.length, 1);
      if (['ISSUER_INVALID', 'AUDIENCE_INVALID', 'ORGANIZATION_INVALID', 'ALGORITHM_NOT_ALLOWED'].includes(vector.code)) {
        assert.ok((rejected[0] as { detail?: { expected?: unknown } }).detail?.expected !== undefined, 'detail keeps the expected values');
      }
    });
  }
});
