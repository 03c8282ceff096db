// logto-authkit/testing against what a real Logto 1.42 emitted
// (fixtures/logto-1.42/): per token kind the same header members in the same
// order, the same claim names in the same order with values of the same types;
// webhook bodies of the same shape, signed the same way; and every token
// verifies with verifyLogtoToken through the kit's fetch alone (no socket).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { verifyLogtoToken } from '../../lib/verify.ts';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import { handleLogtoWebhook } from '../../lib/revocation/logto-webhook.ts';
import { createBackchannelLogoutHandler } from '../../lib/adapters/revocation-handlers.ts';
import { createTestIssuer, LOGTO_EVENTS, type TestIssuer } from '../../lib/testing/index.ts';
import { CAPTURED, CAPTURED_JWKS, CAPTURED_TOKENS, capturedJwksFetch, capturedWebhooks, readCapture, type CapturedTokenName } from '../helpers/logto-captures.ts';

const ORG = 'guyifi88ghtb';

function decode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header, claims] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
  return { header, claims };
}

// a user's own data, whose members are the tenant's, not Logto's
const FREE_FORM = new Set(['customData', 'profile', 'identities']);

/** A value's shape: objects by member (in order), arrays by their first item, the rest by type. */
function shape(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? ['empty'] : [shape(value[0])];
  if (typeof value === 'object') return Object.entries(value as object).map(([name, member]) => [name, FREE_FORM.has(name) ? typeof member : shape(member)]);
  return typeof value;
}

// every socket is refused: the kit's fetch is all a verification may use
beforeEach(() => {
  clearJwksCache();
  mock.method(globalThis, 'fetch', async () => {
    throw new Error('no network in this spec');
  });
});
afterEach(() => mock.restoreAll());

/** Each kind the kit mints, beside the capture of the same kind. */
const KINDS: Array<{ description: string; capture: CapturedTokenName; mint: (issuer: TestIssuer) => Promise<string>; options?: Record<string, unknown> }> = [
  { description: "a user's API access token", capture: 'user', mint: (i) => i.accessToken({ scope: 'read:data' }) },
  { description: 'a machine-to-machine token', capture: 'm2m', mint: (i) => i.machineToken({ scope: 'read:data' }) },
  { description: 'a machine-to-machine token asked for no scope (no scope claim)', capture: 'm2mNoScope', mint: (i) => i.machineToken() },
  { description: "a user's organization token", capture: 'userOrganization', mint: (i) => i.organizationToken(ORG, { scope: 'read:org' }), options: { requiredOrganization: ORG } },
  { description: "a machine's organization token", capture: 'm2mOrganization', mint: (i) => i.organizationToken(ORG, { machine: true, scope: 'read:org' }), options: { requiredOrganization: ORG } },
  { description: "a user's organization-level API token", capture: 'userOrganizationApi', mint: (i) => i.accessToken({ organizationId: ORG, scope: 'read:data' }), options: { requiredOrganization: ORG } },
  { description: "a machine's organization-level API token", capture: 'm2mOrganizationApi', mint: (i) => i.machineToken({ organizationId: ORG, scope: 'read:data' }), options: { requiredOrganization: ORG } },
  { description: 'a token-exchange token without an actor', capture: 'impersonation', mint: (i) => i.exchangeToken({ scope: 'read:data' }) },
  { description: 'a token-exchange token with act', capture: 'impersonationWithActor', mint: (i) => i.exchangeToken({ actor: i.userId, scope: 'read:data' }) },
  { description: 'a user token with sid (custom JWT script)', capture: 'sidUser', mint: (i) => i.accessToken({ sid: 'session-1', scope: 'read:data' }) },
];

describe('access tokens match the captures field for field', () => {
  for (const kind of KINDS) {
    test(`${kind.description}: header members, claim names and value types as Logto's`, async () => {
      const issuer = await createTestIssuer();
      const minted = decode(await kind.mint(issuer));
      const captured = CAPTURED_TOKENS[kind.capture];
      assert.deepEqual(Object.keys(minted.header), Object.keys(captured.header!));
      assert.equal(minted.header.typ, 'at+jwt');
      assert.equal(minted.header.alg, 'ES384');
      assert.equal(typeof minted.header.kid, 'string');
      assert.equal((minted.header.kid as string).length, (captured.header!.kid as string).length);
      assert.deepEqual(shape(minted.claims), shape(captured.claims));
      assert.equal((minted.claims.exp as number) - (minted.claims.iat as number), (captured.claims!.exp as number) - (captured.claims!.iat as number));
      assert.equal(minted.claims.iss, issuer.issuer);
      assert.equal((minted.claims.jti as string).length, (captured.claims!.jti as string).length);
      // the relations Logto keeps: a machine's sub is its client_id; an organization token's aud is the URN
      assert.equal(minted.claims.sub === minted.claims.client_id, captured.claims!.sub === captured.claims!.client_id);
      assert.equal(String(minted.claims.aud).startsWith('urn:logto:organization:'), String(captured.claims!.aud).startsWith('urn:logto:organization:'));
    });

    test(`${kind.description}: verifies with verifyLogtoToken through the kit's fetch only`, async () => {
      const issuer = await createTestIssuer();
      const token = await kind.mint(issuer);
      const context = await verifyLogtoToken(token, { ...issuer.options, ...kind.options });
      assert.equal(context.isAuthenticated, true);
      assert.equal(context.userId, decode(token).claims.sub);
      assert.equal(issuer.requests['/oidc/jwks'], 1);
    });
  }
});

test('the JWKS has the members of the captured one, in its order', async () => {
  const issuer = await createTestIssuer();
  assert.deepEqual(shape(issuer.jwks()), shape(CAPTURED_JWKS));
  const discovery = await (await issuer.fetch(`${issuer.logtoUrl}/oidc/.well-known/openid-configuration`)).json();
  assert.equal(discovery.issuer, issuer.issuer);
  assert.equal(discovery.jwks_uri, issuer.jwksUri);
  assert.equal((await issuer.fetch(`${issuer.logtoUrl}/oidc/token`)).status, 404);
});

test('every contract algorithm can sign, and its tokens verify', async () => {
  for (const algorithm of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const) {
    const issuer = await createTestIssuer({ algorithm });
    const token = await issuer.accessToken({ scope: 'read:data' });
    assert.equal(decode(token).header.alg, algorithm);
    assert.equal(issuer.jwks().keys[0]!.alg, algorithm);
    const context = await verifyLogtoToken(token, { ...issuer.options, requiredScope: 'read:data' });
    assert.equal(context.userId, issuer.userId, algorithm);
  }
});

test('overrides replace a claim in place, add one at the end, and remove one given as undefined', async () => {
  const issuer = await createTestIssuer();
  const { claims, header } = decode(await issuer.accessToken({ scope: 'a', claims: { sub: 'someone', client_id: undefined, roles: ['admin'] }, header: { kid: 'other' } }));
  assert.deepEqual(Object.keys(claims), ['jti', 'sub', 'iat', 'exp', 'scope', 'iss', 'aud', 'roles']);
  assert.equal(claims.sub, 'someone');
  assert.deepEqual(claims.roles, ['admin']);
  assert.deepEqual(header, { alg: 'ES384', typ: 'at+jwt', kid: 'other' });
});

test('the ID token matches the captured one: no typ, nonce, sid, aud = the client id', async () => {
  const issuer = await createTestIssuer();
  const minted = decode(await issuer.idToken({ organizations: [ORG] }));
  const captured = CAPTURED_TOKENS.idToken;
  assert.deepEqual(Object.keys(minted.header), ['alg', 'kid']);
  assert.deepEqual(Object.keys(minted.header), Object.keys(captured.header!));
  assert.deepEqual(shape(minted.claims), shape(captured.claims));
  assert.equal(minted.claims.aud, issuer.clientId);
});

test('the logout token matches the captured one: typ logout+jwt, exp = iat + 120', async () => {
  const issuer = await createTestIssuer();
  const minted = decode(await issuer.logoutToken({ sid: 'session-1' }));
  const captured = CAPTURED_TOKENS.logoutToken;
  assert.deepEqual(Object.keys(minted.header), Object.keys(captured.header!));
  assert.equal(minted.header.typ, 'logout+jwt');
  assert.deepEqual(shape(minted.claims), shape(captured.claims));
  assert.equal((minted.claims.exp as number) - (minted.claims.iat as number), 120);
});

test('the opaque token looks like the captured one and is no JWT', async () => {
  const issuer = await createTestIssuer();
  const opaque = issuer.opaqueToken();
  assert.equal(opaque.length, CAPTURED_TOKENS.opaque.raw.length);
  assert.match(opaque, /^[\w-]+$/);
});

describe('the wrong tokens fail with the code a user would check', () => {
  const VECTORS: Array<{ description: string; mint: (issuer: TestIssuer) => Promise<string> | string; code: string }> = [
    { description: 'an expired token', mint: (i) => i.expiredToken(), code: 'TOKEN_EXPIRED' },
    { description: 'a token not yet valid', mint: (i) => i.notYetValidToken(), code: 'TOKEN_NOT_YET_VALID' },
    { description: 'a token for another API', mint: (i) => i.wrongAudienceToken(), code: 'AUDIENCE_INVALID' },
    { description: "another tenant's token", mint: (i) => i.wrongIssuerToken(), code: 'ISSUER_INVALID' },
    { description: 'a logout token', mint: (i) => i.logoutToken(), code: 'TOKEN_TYPE_INVALID' },
    { description: 'an opaque token', mint: (i) => i.opaqueToken(), code: 'TOKEN_MALFORMED' },
    { description: "a stranger key's token", mint: (i) => i.strangerToken(), code: 'KEY_NOT_FOUND' },
    { description: 'a token without the scope', mint: (i) => i.accessToken({ scope: 'read:other' }), code: 'SCOPE_MISSING' },
  ];
  for (const vector of VECTORS) {
    test(`rejects ${vector.description} with ${vector.code}`, async () => {
      const issuer = await createTestIssuer();
      const token = await vector.mint(issuer);
      await assert.rejects(verifyLogtoToken(token, { ...issuer.options, requiredScope: 'read:data' }), { code: vector.code });
    });
  }

  // RFC 9068 §4: an ID token (no typ) is refused by its typ where typ is required, else by its
  // aud (the client id, never an API): either way the kit's ID token is no access token
  test('rejects an ID token as an access token', async () => {
    const issuer = await createTestIssuer();
    await assert.rejects(verifyLogtoToken(await issuer.idToken(), issuer.options), (error: { code: string; status: number }) => {
      assert.ok(['TOKEN_TYPE_INVALID', 'AUDIENCE_INVALID'].includes(error.code), error.code);
      assert.equal(error.status, 401);
      return true;
    });
  });

  test("a kit token claiming a real tenant's issuer is refused by that tenant's JWKS", async () => {
    const issuer = await createTestIssuer({ logtoUrl: CAPTURED.logtoUrl, audience: CAPTURED.audience });
    const token = await issuer.accessToken({ scope: 'read:data' });
    await assert.rejects(verifyLogtoToken(token, { logtoUrl: CAPTURED.logtoUrl, audience: CAPTURED.audience, fetch: capturedJwksFetch() }), { code: 'KEY_NOT_FOUND', status: 401 });
  });

  test("a token of one issuer never verifies against another issuer's keys", async () => {
    const [one, two] = await Promise.all([createTestIssuer(), createTestIssuer()]);
    const token = await one.accessToken({ claims: { iss: two.issuer } });
    await assert.rejects(verifyLogtoToken(token, two.options), { code: 'KEY_NOT_FOUND' });
  });
});

test('a frozen clock mints tokens that verify at that time only', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: Date.UTC(2030, 0, 1) });
  const issuer = await createTestIssuer({ now: () => Date.now() });
  const token = await issuer.accessToken();
  assert.equal(decode(token).claims.iat, Date.UTC(2030, 0, 1) / 1000);
  assert.equal((await verifyLogtoToken(token, issuer.options)).userId, issuer.userId);
  t.mock.timers.tick(3601 * 1000);
  await assert.rejects(verifyLogtoToken(token, issuer.options), { code: 'TOKEN_EXPIRED' });
});

test('rotation publishes the new key first and keeps the old one, so tokens of both verify', async () => {
  const issuer = await createTestIssuer();
  const before = await issuer.accessToken();
  const oldKid = issuer.jwks().keys[0]!.kid;
  assert.equal((await verifyLogtoToken(before, issuer.options)).userId, issuer.userId);
  await issuer.rotateKeys();
  const kids = issuer.jwks().keys.map((key) => key.kid);
  assert.equal(kids.length, 2);
  assert.equal(kids[1], oldKid);
  const after = await issuer.accessToken();
  assert.equal(decode(after).header.kid, kids[0]);
  assert.equal((await verifyLogtoToken(after, issuer.options)).userId, issuer.userId);
  assert.equal((await verifyLogtoToken(before, issuer.options)).userId, issuer.userId);
  issuer.retireOldKeys();
  assert.deepEqual(issuer.jwks().keys.map((key) => key.kid), [kids[0]]);
});

describe('webhooks match the captured deliveries', () => {
  const { deliveries } = capturedWebhooks();
  const byVariant = new Map<string, (typeof deliveries)[number]>();
  for (const delivery of deliveries) {
    const key = `${delivery.event} ${String(delivery.apiMethod ?? '')} ${String(delivery.apiPath ?? '').replace(/\/(applications|users)\/.*/, '/$1/:id')}`;
    if (!byVariant.has(key)) byVariant.set(key, delivery);
  }
  // the subject each captured variant was about
  const subjectFor = (delivery: (typeof deliveries)[number]) => {
    const body = JSON.parse(delivery.rawBody);
    return { addedUserIds: body.addedUserIds, removedUserIds: body.removedUserIds, addedApplicationIds: body.addedApplicationIds, removedApplicationIds: body.removedApplicationIds, replace: delivery.apiMethod === 'PUT' };
  };
  // Role.Scopes.Updated from POST /roles (a role created with scopes) names the role at the top level
  const variants = [...byVariant.values()].filter((delivery) => !(delivery.event === 'Role.Scopes.Updated' && delivery.apiPath === '/roles') && !(delivery.event === 'OrganizationRole.Scopes.Updated' && delivery.apiPath === '/organization-roles'));

  for (const captured of variants) {
    test(`${captured.event} (${String(captured.apiMethod ?? 'interaction')} ${String(captured.apiPath ?? '')}): the body's members, in order, and the headers`, async () => {
      const issuer = await createTestIssuer();
      const delivery = await issuer.webhook(captured.event as never, subjectFor(captured));
      const body = JSON.parse(delivery.body);
      const capturedBody = JSON.parse(captured.rawBody);
      assert.deepEqual(shape(body), shape(capturedBody));
      assert.equal(body.method, capturedBody.method);
      assert.equal(body.status, capturedBody.status);
      assert.equal(body.matchedRoute, capturedBody.matchedRoute);
      assert.deepEqual(Object.keys(body.params ?? {}), Object.keys(capturedBody.params ?? {}));
      for (const name of ['content-type', 'user-agent']) assert.equal(delivery.headers[name], captured.headers[name]);
      // the same signature a real Logto computes: hex HMAC-SHA-256 of the raw body, key as UTF-8
      assert.equal(delivery.headers['logto-signature-sha-256'], createHmac('sha256', issuer.webhookSigningKey).update(delivery.body).digest('hex'));
    });
  }

  test('every Logto event can be delivered, and the library accepts each signature', async () => {
    const issuer = await createTestIssuer();
    for (const event of LOGTO_EVENTS) {
      const delivery = await issuer.webhook(event);
      const answer = await handleLogtoWebhook(new TextEncoder().encode(delivery.body), delivery.headers['logto-signature-sha-256'], { signingKey: issuer.webhookSigningKey, revocation: { revokeUser() {}, revokeAll() {}, revokeOrganization() {}, revokeScope() {}, revokeMembership() {} } });
      assert.equal(answer.status, 200, event);
    }
    const events = new Set(readCapture('06-webhooks.json').hook.events);
    assert.deepEqual(new Set(LOGTO_EVENTS), events);
  });

  test("a removal revokes exactly the removed user's membership of that organization through the library", async () => {
    const issuer = await createTestIssuer();
    const delivery = await issuer.webhook('Organization.Membership.Updated', { organizationId: ORG, removedUserIds: ['u-gone'] });
    const revoked: string[] = [];
    const nothing = () => revoked.push('something broader');
    const answer = await handleLogtoWebhook(new TextEncoder().encode(delivery.body), delivery.headers['logto-signature-sha-256'], { signingKey: issuer.webhookSigningKey, revocation: { revokeUser: nothing, revokeAll: nothing, revokeOrganization: nothing, revokeScope: nothing, revokeMembership: (organizationId: string, sub: string) => revoked.push(`${organizationId} ${sub}`) } });
    assert.equal(answer.status, 200);
    assert.deepEqual(revoked, [`${ORG} u-gone`]);
  });
});

test('the back-channel logout request is what Logto posts, and the library revokes its session', async () => {
  const issuer = await createTestIssuer();
  const request = await issuer.logoutRequest('http://127.0.0.1/backchannel', { sid: 'session-1' });
  const captured = readCapture('07-backchannel-logout.json').deliveries[0];
  assert.equal(request.headers.get('content-type'), captured.headers['content-type']);
  const sessions: string[] = [];
  const handler = createBackchannelLogoutHandler({ logtoUrl: issuer.logtoUrl, clientId: issuer.clientId, fetch: issuer.fetch, revocation: { revokeUser() {}, revokeSession: (sid) => sessions.push(sid) } });
  const response = await handler(request);
  assert.equal(response.status, 200);
  assert.deepEqual(sessions, ['session-1']);
});
