// Every token a real Logto 1.42 emitted (fixtures/logto-1.42/, see its README),
// replayed with the clock fixed at the capture time and the JWKS Logto served,
// through verifyLogtoToken and through the Express middleware over real HTTP on
// 127.0.0.1. The outcome of each is written down below: accepted (with the
// context the app gets), or the exact code. Nothing is loosened: the tokens are
// checked as they would have been the moment Logto issued them.
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { createExpressAuthMiddleware } from '../../lib/adapters/express.ts';
import { createFastifyAuthHook } from '../../lib/adapters/fastify.ts';
import { createHonoAuthMiddleware, type AuthEnv } from '../../lib/adapters/hono.ts';
import { verifyNextAuth, withAuth } from '../../lib/adapters/next.ts';
import type { AuthContext } from '../../lib/context.ts';
import { isAuthError, type AuthError, type AuthErrorCode } from '../../lib/errors.ts';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import type { VerifyAuthOptions } from '../../lib/options.ts';
import { verifyLogoutToken } from '../../lib/revocation/logout-token.ts';
import { clearTokenCache } from '../../lib/token-cache.ts';
import { verifyAuth, verifyLogtoToken } from '../../lib/verify.ts';
import { CAPTURE_TIME_MS, CAPTURED, CAPTURED_TOKENS, capturedJwksFetch, type CapturedTokenName } from '../helpers/logto-captures.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';

const ORGANIZATION_URN = `urn:logto:organization:${CAPTURED.organizationId}`;

/** What the app gets for a token Logto issued: the context's user, organization and actor. */
interface Accepted {
  userId: string;
  organizationId?: string;
  actor?: { sub: string };
}
type Expected = Accepted | AuthErrorCode;

interface Row {
  token: CapturedTokenName;
  /** What the app configured, besides logtoUrl, audience (the API) and the JWKS fetch. */
  with: Partial<VerifyAuthOptions>;
  expected: Expected;
}

const user: Accepted = { userId: CAPTURED.userId };
const machine: Accepted = { userId: CAPTURED.m2mClientId };
const inOrganization = (who: Accepted): Accepted => ({ ...who, organizationId: CAPTURED.organizationId });
const none = {};

// prettier-ignore
const TABLE: Row[] = [
  // API access tokens (typ at+jwt, aud the API): accepted, scopes as granted
  { token: 'm2m', with: none, expected: machine },
  { token: 'm2m', with: { requiredScope: 'read:data' }, expected: machine },
  { token: 'm2mNoScope', with: none, expected: machine },
  { token: 'm2mNoScope', with: { requiredScope: 'read:data' }, expected: 'SCOPE_MISSING' }, // no scope claim at all
  { token: 'user', with: { requiredScope: 'read:data' }, expected: user },
  { token: 'user', with: { requiredOrganization: true }, expected: 'ORGANIZATION_INVALID' },
  { token: 'm2m', with: { requiredOrganization: CAPTURED.organizationId }, expected: 'ORGANIZATION_INVALID' },
  { token: 'userFromRefresh', with: none, expected: user },
  { token: 'sidUser', with: none, expected: user },
  { token: 'sidUserFromRefresh', with: none, expected: user },
  { token: 'm2m', with: { audience: 'https://other.example.test' }, expected: 'AUDIENCE_INVALID' },
  // organization tokens (aud urn:logto:organization:<id>, no organization_id), machine and user:
  // accepted only where the app names the organization, refused for another one
  ...(['m2mOrganization', 'userOrganization', 'sidOrganization'] as const).flatMap((token): Row[] => {
    const who = token === 'm2mOrganization' ? machine : user;
    return [
      { token, with: none, expected: 'AUDIENCE_INVALID' },
      { token, with: { requiredOrganization: true }, expected: 'AUDIENCE_INVALID' },
      { token, with: { requiredOrganization: CAPTURED.organizationId }, expected: inOrganization(who) },
      { token, with: { requiredOrganization: ['another-org', CAPTURED.organizationId] }, expected: inOrganization(who) },
      { token, with: { requiredOrganization: 'another-org' }, expected: 'ORGANIZATION_INVALID' },
      { token, with: { audience: [CAPTURED.audience, ORGANIZATION_URN] }, expected: inOrganization(who) },
    ];
  }),
  // organization-level API tokens (aud the API, organization_id), machine and user
  ...(['m2mOrganizationApi', 'userOrganizationApi', 'sidOrganizationApi'] as const).flatMap((token): Row[] => {
    const who = token === 'm2mOrganizationApi' ? machine : user;
    return [
      { token, with: none, expected: inOrganization(who) },
      { token, with: { requiredOrganization: true }, expected: inOrganization(who) },
      { token, with: { requiredOrganization: CAPTURED.organizationId }, expected: inOrganization(who) },
      { token, with: { requiredOrganization: 'another-org' }, expected: 'ORGANIZATION_INVALID' },
    ];
  }),
  // token exchange (impersonation): the actor, when Logto names one, is context.actor
  { token: 'impersonation', with: none, expected: user },
  { token: 'impersonationWithActor', with: none, expected: { ...user, actor: { sub: CAPTURED.userId } } },
  // ID tokens carry no typ: refused on their header, whatever `audience` says (even the client id)
  ...(['idToken', 'idTokenFromRefresh', 'sidIdToken'] as const).flatMap((token): Row[] => [
    { token, with: none, expected: 'TOKEN_TYPE_INVALID' },
    { token, with: { audience: CAPTURED.webClientId }, expected: 'TOKEN_TYPE_INVALID' },
    { token, with: { audience: [CAPTURED.audience, CAPTURED.webClientId] }, expected: 'TOKEN_TYPE_INVALID' },
  ]),
  // the opaque token Logto issues when no API resource is asked for
  { token: 'opaque', with: none, expected: 'TOKEN_MALFORMED' },
  // the back-channel logout token (typ logout+jwt) is no access token
  { token: 'logoutToken', with: none, expected: 'TOKEN_TYPE_INVALID' },
  { token: 'logoutToken', with: { audience: CAPTURED.webClientId }, expected: 'TOKEN_TYPE_INVALID' },
];

const STATUS: Partial<Record<AuthErrorCode, number>> = { SCOPE_MISSING: 403, ORGANIZATION_INVALID: 403 };

function describeRow(row: Row): string {
  const outcome = typeof row.expected === 'string' ? row.expected : `accepted as ${row.expected.userId}${row.expected.organizationId ? ` in ${row.expected.organizationId}` : ''}${row.expected.actor ? ` with actor ${row.expected.actor.sub}` : ''}`;
  const options = Object.keys(row.with).length === 0 ? 'the API as audience' : JSON.stringify(row.with);
  return `${CAPTURED_TOKENS[row.token].name} with ${options}: ${outcome}`;
}

async function outcomeOf(promise: Promise<AuthContext>): Promise<AuthContext | AuthError> {
  try {
    return await promise;
  } catch (error) {
    if (!isAuthError(error)) throw error;
    return error;
  }
}

// RFC 6750 §3: the challenge Express sends, with the message as its quoted-string
function challengeFor(error: AuthError): string {
  const description = error.message.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');
  const kind = error.status === 403 ? 'insufficient_scope' : 'invalid_token';
  const scope = error.code === 'SCOPE_MISSING' ? `, scope="${(error.detail?.expected as string[]).join(' ')}"` : '';
  return `Bearer error="${kind}", error_description="${description}"${scope}`;
}

describe('the tokens a real Logto 1.42 issued, at the capture time', () => {
  const jwks = capturedJwksFetch();
  const optionsOf = (row: Row): VerifyAuthOptions => ({ logtoUrl: CAPTURED.logtoUrl, audience: CAPTURED.audience, fetch: jwks, ...row.with });
  let app: LoopbackServer;

  before(async () => {
    clearJwksCache();
    clearTokenCache();
    mock.timers.enable({ apis: ['Date'], now: CAPTURE_TIME_MS });
    // one route per row: each middleware is made with the row's options, as an app would
    const api = express();
    TABLE.forEach((row, i) => api.get(`/rows/${i}`, createExpressAuthMiddleware(optionsOf(row)), (req, res) => void res.json((req as typeof req & { auth: AuthContext }).auth)));
    app = await serveOnLoopback(api);
  });
  after(async () => {
    await app.close();
    mock.timers.reset();
  });

  test('the capture time is inside every captured token\'s lifetime', () => {
    for (const captured of Object.values(CAPTURED_TOKENS)) {
      if (captured.opaque) continue;
      assert.ok(Number(captured.claims!.iat) * 1000 <= CAPTURE_TIME_MS && CAPTURE_TIME_MS < Number(captured.claims!.exp) * 1000, captured.name);
    }
  });

  test('every captured token has at least one row', () => {
    const covered = new Set(TABLE.map((row) => row.token));
    assert.deepEqual(Object.keys(CAPTURED_TOKENS).filter((name) => !covered.has(name as CapturedTokenName)), []);
  });

  TABLE.forEach((row, i) => {
    test(describeRow(row), async () => {
      const raw = CAPTURED_TOKENS[row.token].raw;
      const direct = await outcomeOf(verifyLogtoToken(raw, optionsOf(row)));
      const response = await fetch(`${app.url}/rows/${i}`, { headers: { authorization: `Bearer ${raw}` } });
      const text = await response.text();
      // never the token, nor its signature, over HTTP
      assert.ok(!text.includes(raw) && !(response.headers.get('www-authenticate') ?? '').includes(raw));
      if (typeof row.expected === 'string') {
        assert.ok(isAuthError(direct), `accepted, expected ${row.expected}`);
        assert.equal(direct.code, row.expected);
        assert.equal(direct.status, STATUS[row.expected] ?? 401);
        assert.equal(response.status, direct.status);
        assert.deepEqual(JSON.parse(text), { error: row.expected, message: direct.message });
        assert.equal(response.headers.get('www-authenticate'), challengeFor(direct));
        return;
      }
      assert.ok(!isAuthError(direct), `refused with ${isAuthError(direct) ? direct.code : ''}`);
      const expected = row.expected;
      assert.equal(direct.isAuthenticated, true);
      assert.equal(direct.userId, expected.userId);
      assert.equal(direct.organizationId, expected.organizationId);
      assert.deepEqual(direct.actor, expected.actor);
      assert.deepEqual(direct.payload, CAPTURED_TOKENS[row.token].claims);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('www-authenticate'), null);
      assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(direct)));
    });
  });

  test('fetched the captured JWKS once for the whole table', () => {
    assert.equal(jwks.calls, 1);
  });

  test('the ID tokens are refused for their missing typ, before any claim is read', async () => {
    const error = await outcomeOf(verifyLogtoToken(CAPTURED_TOKENS.idToken.raw, { logtoUrl: CAPTURED.logtoUrl, audience: CAPTURED.webClientId, fetch: jwks }));
    assert.ok(isAuthError(error));
    assert.deepEqual(error.detail, { claim: 'typ', expected: 'at+jwt', actual: undefined });
  });
});

describe('the captured access tokens one second past their exp', () => {
  const accepted = TABLE.filter((row) => typeof row.expected !== 'string');
  const jwks = capturedJwksFetch();
  let app: LoopbackServer;
  const options = (row: Row): VerifyAuthOptions => ({ logtoUrl: CAPTURED.logtoUrl, audience: CAPTURED.audience, fetch: jwks, ...row.with });
  // made at the capture time and verified once there, so each token is also remembered by the token cache
  const middlewares = accepted.map((row) => createExpressAuthMiddleware(options(row)));
  const sameOptions = accepted.map(options);

  before(async () => {
    clearJwksCache();
    clearTokenCache();
    const api = express();
    accepted.forEach((_, i) => api.get(`/rows/${i}`, middlewares[i]!, (_req, res) => void res.json({ ok: true })));
    app = await serveOnLoopback(api);
  });
  after(async () => {
    await app.close();
    mock.timers.reset();
  });

  accepted.forEach((row, i) => {
    test(`${describeRow(row)}; then TOKEN_EXPIRED at exp + 1 s`, async () => {
      const captured = CAPTURED_TOKENS[row.token];
      const authorization = `Bearer ${captured.raw}`;
      mock.timers.enable({ apis: ['Date'], now: CAPTURE_TIME_MS });
      // twice: a token seen again is answered from the token cache
      for (let seen = 0; seen < 2; seen++) {
        assert.equal((await verifyLogtoToken(captured.raw, sameOptions[i]!)).userId, (row.expected as Accepted).userId);
        assert.equal((await fetch(`${app.url}/rows/${i}`, { headers: { authorization } })).status, 200);
      }
      mock.timers.reset();
      mock.timers.enable({ apis: ['Date'], now: (Number(captured.claims!.exp) + 1) * 1000 });
      await assert.rejects(verifyLogtoToken(captured.raw, sameOptions[i]!), { name: 'AuthError', code: 'TOKEN_EXPIRED', status: 401 });
      const response = await fetch(`${app.url}/rows/${i}`, { headers: { authorization } });
      assert.equal(response.status, 401);
      assert.equal((await response.json()).error, 'TOKEN_EXPIRED');
      assert.match(response.headers.get('www-authenticate')!, /^Bearer error="invalid_token", /);
      mock.timers.reset();
    });
  });
});

describe('the captured tokens offered as a back-channel logout token', () => {
  const jwks = capturedJwksFetch();
  const expectations = {
    keys: { jwksUri: CAPTURED.jwksUri, jwksCacheTtl: 300_000, fetch: jwks },
    algorithms: new Set(['ES384']),
    issuers: new Set([CAPTURED.issuer]),
    clientId: CAPTURED.webClientId,
    clockToleranceSec: 0,
    maxAgeSec: 120,
  };
  const nowSec = CAPTURE_TIME_MS / 1000;

  before(() => clearJwksCache());

  test('accepts the captured logout token (typ logout+jwt) for the web app', async () => {
    const { claims } = CAPTURED_TOKENS.logoutToken;
    assert.deepEqual(await verifyLogoutToken(CAPTURED_TOKENS.logoutToken.raw, expectations, nowSec), {
      iss: CAPTURED.issuer,
      sub: CAPTURED.userId,
      sid: claims!.sid,
      jti: claims!.jti,
      iat: claims!.iat,
      exp: claims!.exp,
    });
  });

  // every access token (typ at+jwt) and every ID token (no typ): refused on the header
  const refused = (Object.keys(CAPTURED_TOKENS) as CapturedTokenName[]).filter((name) => name !== 'logoutToken' && name !== 'opaque');
  for (const name of refused) {
    test(`refuses ${CAPTURED_TOKENS[name].name} with TOKEN_TYPE_INVALID`, async () => {
      await assert.rejects(verifyLogoutToken(CAPTURED_TOKENS[name].raw, expectations, nowSec), { name: 'AuthError', code: 'TOKEN_TYPE_INVALID', status: 401 });
    });
  }

  test('refuses the opaque token with TOKEN_MALFORMED', async () => {
    await assert.rejects(verifyLogoutToken(CAPTURED_TOKENS.opaque.raw, expectations, nowSec), { name: 'AuthError', code: 'TOKEN_MALFORMED', status: 401 });
  });

  test('asked the JWKS only for the logout token', () => {
    assert.equal(jwks.calls, 1);
  });
});

describe('a captured ID token on every path, with the client id as audience', () => {
  // the configuration under which an ID token without typ used to pass
  const jwks = capturedJwksFetch();
  const options: VerifyAuthOptions = { logtoUrl: CAPTURED.logtoUrl, audience: CAPTURED.webClientId, fetch: jwks };
  const token = CAPTURED_TOKENS.idToken.raw;
  const refused = { name: 'AuthError', code: 'TOKEN_TYPE_INVALID', status: 401 };
  const body = { error: 'TOKEN_TYPE_INVALID', message: 'the token header has no "typ" (an access token says "at+jwt"): this is not an access token' };
  const challenge = 'Bearer error="invalid_token", error_description="the token header has no typ (an access token says at+jwt): this is not an access token"';

  before(() => {
    clearJwksCache();
    clearTokenCache();
    mock.timers.enable({ apis: ['Date'], now: CAPTURE_TIME_MS });
  });
  after(() => mock.timers.reset());

  test('verifyAuth refuses it as a string, a Bearer header, a cookie and a Fetch Request', async () => {
    await assert.rejects(verifyAuth(token, options), refused);
    await assert.rejects(verifyAuth({ headers: { authorization: `Bearer ${token}` } }, options), refused);
    await assert.rejects(verifyAuth({ headers: { cookie: `logto_authtoken=${token}` } }, options), refused);
    await assert.rejects(verifyAuth(new Request('http://127.0.0.1/api', { headers: { authorization: `Bearer ${token}` } }), options), refused);
  });

  test('Next: verifyNextAuth answers TOKEN_TYPE_INVALID and withAuth a 401 without calling the handler', async () => {
    const request = () => new Request('http://127.0.0.1/api', { headers: { authorization: `Bearer ${token}` } });
    const result = await verifyNextAuth(request(), options);
    assert.equal(result.success, false);
    assert.equal(!result.success && result.code, 'TOKEN_TYPE_INVALID');
    assert.equal(!result.success && result.status, 401);
    let called = false;
    const response = await withAuth(() => {
      called = true;
      return Response.json({ ok: true });
    }, options)(request(), { params: Promise.resolve({}) });
    assert.equal(called, false);
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), body);
    assert.equal(response.headers.get('www-authenticate'), challenge);
  });

  test('Hono answers 401 TOKEN_TYPE_INVALID', async () => {
    const app = new Hono<AuthEnv>().use(createHonoAuthMiddleware(options)).get('/api', (c) => c.json(c.var.auth));
    const response = await app.request('/api', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), body);
    assert.equal(response.headers.get('www-authenticate'), challenge);
  });

  test('Fastify answers 401 TOKEN_TYPE_INVALID', async () => {
    const app = Fastify();
    app.addHook('onRequest', createFastifyAuthHook(options));
    app.get('/api', async () => ({ ok: true }));
    try {
      const response = await app.inject({ method: 'GET', url: '/api', headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.statusCode, 401);
      assert.deepEqual(response.json(), body);
      assert.equal(response.headers['www-authenticate'], challenge);
    } finally {
      await app.close();
    }
  });

  test('asked no JWKS: the header alone refuses it', () => {
    assert.equal(jwks.calls, 0);
  });
});
