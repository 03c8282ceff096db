// Every kind of access token Logto issues, and what the app is handed for it:
// the captures of a real Logto 1.42 replayed with the clock at the capture time
// (fixtures/logto-1.42/), and the embedded issuer's tokens (node-oidc-provider
// shaped like Logto). Each row states the context's fields as a user would
// read them; then who may call (acceptsToken, allowedClients, actorPolicy)
// refuses exactly the tokens it should, with the documented code.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, mock, test } from 'node:test';
import { contextOf, type AuthenticatedContext } from '../lib/context.ts';
import type { AuthEvent } from '../lib/events.ts';
import { clearJwksCache } from '../lib/keys/jwks-cache.ts';
import type { VerifyAuthOptions } from '../lib/options.ts';
import { verifyLogtoToken } from '../lib/verify.ts';
import { CAPTURE_TIME_MS, CAPTURED, CAPTURED_TOKENS, capturedJwksFetch, type CapturedTokenName } from './helpers/logto-captures.ts';
import { startLogtoIssuer, type LogtoIssuer } from './helpers/logto-issuer.ts';

const ORGANIZATION_URN = `urn:logto:organization:${CAPTURED.organizationId}`;

/** The fields a user reads off the context (payload and the seed's fields aside). */
function fieldsOf(auth: AuthenticatedContext) {
  return {
    userId: auth.userId,
    tokenType: auth.tokenType,
    clientId: auth.clientId,
    scopes: auth.scopes,
    audience: auth.audience,
    resource: auth.resource,
    organizationId: auth.organizationId,
    actor: auth.actor,
    actors: auth.actors,
    expiresAt: auth.expiresAt,
    issuedAt: auth.issuedAt,
  };
}

type Fields = ReturnType<typeof fieldsOf>;

const user = { userId: CAPTURED.userId, tokenType: 'user', clientId: CAPTURED.webClientId } as const;
const machine = { userId: CAPTURED.m2mClientId, tokenType: 'machine', clientId: CAPTURED.m2mClientId } as const;
const api = { audience: [CAPTURED.audience], resource: CAPTURED.audience } as const;
const organization = { audience: [ORGANIZATION_URN], resource: undefined, organizationId: CAPTURED.organizationId } as const;
const noActor = { actor: undefined, actors: [] } as const;

// what each captured access token is, from the capture's own notes (README.md of fixtures/logto-1.42)
const CAPTURED_KINDS: { name: CapturedTokenName; description: string; expected: Fields }[] = [
  { name: 'm2m', description: 'a machine-to-machine token for the API', expected: { ...machine, ...api, scopes: ['read:data'], organizationId: undefined, ...noActor, expiresAt: 1796605397, issuedAt: 1796601797 } },
  { name: 'm2mNoScope', description: 'a machine-to-machine token asked for no scope (no scope claim at all)', expected: { ...machine, ...api, scopes: [], organizationId: undefined, ...noActor, expiresAt: 1796605397, issuedAt: 1796601797 } },
  { name: 'm2mOrganization', description: 'a machine organization token (urn:logto:organization audience)', expected: { ...machine, ...organization, scopes: ['read:org'], ...noActor, expiresAt: 1796605459, issuedAt: 1796601859 } },
  { name: 'm2mOrganizationApi', description: 'a machine organization-level API token (organization_id)', expected: { ...machine, ...api, organizationId: CAPTURED.organizationId, scopes: ['read:data'], ...noActor, expiresAt: 1796605459, issuedAt: 1796601859 } },
  { name: 'user', description: 'a user token from the authorization code grant', expected: { ...user, ...api, scopes: ['read:data'], organizationId: undefined, ...noActor, expiresAt: 1796605446, issuedAt: 1796601846 } },
  { name: 'userFromRefresh', description: 'a user token from the refresh token grant', expected: { ...user, ...api, scopes: ['read:data'], organizationId: undefined, ...noActor, expiresAt: 1796605446, issuedAt: 1796601846 } },
  { name: 'userOrganization', description: 'a user organization token (urn:logto:organization audience)', expected: { ...user, ...organization, scopes: ['read:org'], ...noActor, expiresAt: 1796605446, issuedAt: 1796601846 } },
  { name: 'userOrganizationApi', description: 'a user organization-level API token (organization_id)', expected: { ...user, ...api, organizationId: CAPTURED.organizationId, scopes: ['read:data'], ...noActor, expiresAt: 1796605446, issuedAt: 1796601846 } },
  { name: 'impersonation', description: 'a token-exchange (impersonation) token without act', expected: { ...user, ...api, scopes: ['read:data'], organizationId: undefined, ...noActor, expiresAt: 1796605467, issuedAt: 1796601867 } },
  { name: 'impersonationWithActor', description: 'a token-exchange token with act: { sub }', expected: { ...user, ...api, scopes: ['read:data'], organizationId: undefined, actor: { sub: CAPTURED.userId }, actors: [{ sub: CAPTURED.userId }], expiresAt: 1796605468, issuedAt: 1796601868 } },
  { name: 'sidUser', description: 'a user token with a sid added by a custom JWT script', expected: { ...user, ...api, scopes: ['read:data'], organizationId: undefined, ...noActor, expiresAt: 1796605487, issuedAt: 1796601887 } },
  { name: 'sidUserFromRefresh', description: 'a user token with a custom sid from the refresh token grant', expected: { ...user, ...api, scopes: ['read:data'], organizationId: undefined, ...noActor, expiresAt: 1796605487, issuedAt: 1796601887 } },
  { name: 'sidOrganizationApi', description: 'a user organization-level API token with a custom sid', expected: { ...user, ...api, organizationId: CAPTURED.organizationId, scopes: ['read:data'], ...noActor, expiresAt: 1796605487, issuedAt: 1796601887 } },
  { name: 'sidOrganization', description: 'a user organization token with a custom sid', expected: { ...user, ...organization, scopes: ['read:org'], ...noActor, expiresAt: 1796605487, issuedAt: 1796601887 } },
];

const capturedOptions = (extra: Partial<VerifyAuthOptions> = {}): VerifyAuthOptions => ({
  logtoUrl: CAPTURED.logtoUrl,
  audience: [CAPTURED.audience, ORGANIZATION_URN], // the organization tokens pass where the options name their URN
  fetch: capturedJwksFetch(),
  tokenCache: false,
  ...extra,
});

async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number; message: string; detail: unknown }> {
  try {
    await promise;
  } catch (error) {
    const { code, status, message, detail } = error as { code: string; status: number; message: string; detail: unknown };
    return { code, status, message, detail };
  }
  assert.fail('expected a refusal');
}

describe('the context of every captured Logto 1.42 access token', () => {
  before(() => mock.timers.enable({ apis: ['Date'], now: CAPTURE_TIME_MS }));
  after(() => mock.timers.reset());
  beforeEach(() => clearJwksCache());

  for (const { name, description, expected } of CAPTURED_KINDS) {
    test(`${description} (${name})`, async () => {
      const token = CAPTURED_TOKENS[name];
      const auth = await verifyLogtoToken(token.raw, capturedOptions());
      assert.deepEqual(fieldsOf(auth), expected);
      assert.deepEqual(auth.payload, token.claims);
      assert.equal(auth.isAuthenticated, true);
      assert.equal('actor' in auth, expected.actor !== undefined);
      assert.equal('organizationId' in auth, expected.organizationId !== undefined);
    });
  }

  test('covers every captured access token (typ at+jwt)', () => {
    const accessTokens = (Object.keys(CAPTURED_TOKENS) as CapturedTokenName[]).filter((name) => CAPTURED_TOKENS[name].header?.typ === 'at+jwt');
    assert.deepEqual(CAPTURED_KINDS.map((row) => row.name).sort(), accessTokens.sort());
  });

  test('hands each call its own context, whose lists cannot be changed', async () => {
    const auth = await verifyLogtoToken(CAPTURED_TOKENS.impersonationWithActor.raw, capturedOptions({ tokenCache: true }));
    assert.equal(Object.isFrozen(auth.scopes), true);
    assert.equal(Object.isFrozen(auth.audience), true);
    assert.equal(Object.isFrozen(auth.actors), true);
  });
});

describe('who may call, on the captured tokens', () => {
  before(() => mock.timers.enable({ apis: ['Date'], now: CAPTURE_TIME_MS }));
  after(() => mock.timers.reset());
  beforeEach(() => clearJwksCache());

  test('acceptsToken user refuses a machine token with 403 TOKEN_TYPE_NOT_ACCEPTED, and takes a user token', async () => {
    const options = capturedOptions({ acceptsToken: 'user' });
    for (const name of ['m2m', 'm2mNoScope', 'm2mOrganization', 'm2mOrganizationApi'] as const) {
      assert.deepEqual(await refusal(verifyLogtoToken(CAPTURED_TOKENS[name].raw, options)), {
        code: 'TOKEN_TYPE_NOT_ACCEPTED', status: 403, message: 'this route does not accept machine-to-machine tokens', detail: { claim: 'sub', expected: 'user', actual: 'machine' },
      }, name);
    }
    assert.equal((await verifyLogtoToken(CAPTURED_TOKENS.user.raw, options)).tokenType, 'user');
  });

  test('acceptsToken machine refuses a user token, and takes a machine token', async () => {
    const options = capturedOptions({ acceptsToken: 'machine' });
    const refused = await refusal(verifyLogtoToken(CAPTURED_TOKENS.userOrganizationApi.raw, options));
    assert.deepEqual([refused.code, refused.status, refused.message], ['TOKEN_TYPE_NOT_ACCEPTED', 403, 'this route accepts machine-to-machine tokens only']);
    assert.equal((await verifyLogtoToken(CAPTURED_TOKENS.m2m.raw, options)).userId, CAPTURED.m2mClientId);
  });

  test('allowedClients takes a listed client and refuses another with 403 CLIENT_NOT_ALLOWED, the list kept out of the message', async () => {
    const options = capturedOptions({ allowedClients: [CAPTURED.webClientId] });
    assert.equal((await verifyLogtoToken(CAPTURED_TOKENS.user.raw, options)).clientId, CAPTURED.webClientId);
    const refused = await refusal(verifyLogtoToken(CAPTURED_TOKENS.m2m.raw, options));
    assert.deepEqual(refused, {
      code: 'CLIENT_NOT_ALLOWED', status: 403, message: 'the token "client_id" is not a client this route accepts', detail: { claim: 'client_id', expected: [CAPTURED.webClientId], actual: CAPTURED.m2mClientId },
    });
    assert.equal(refused.message.includes(CAPTURED.webClientId), false);
  });

  test('allowedClients compares exactly: no prefix, case or trailing-slash match', async () => {
    for (const listed of [CAPTURED.webClientId.toUpperCase(), `${CAPTURED.webClientId}/`, CAPTURED.webClientId.slice(0, -1)]) {
      assert.equal((await refusal(verifyLogtoToken(CAPTURED_TOKENS.user.raw, capturedOptions({ allowedClients: [listed] })))).code, 'CLIENT_NOT_ALLOWED', listed);
    }
  });

  test('actorPolicy refuse turns away a token with act (403 ACTOR_INVALID, the chain in detail), and takes one without', async () => {
    const options = capturedOptions({ actorPolicy: 'refuse' });
    assert.deepEqual(await refusal(verifyLogtoToken(CAPTURED_TOKENS.impersonationWithActor.raw, options)), {
      code: 'ACTOR_INVALID', status: 403, message: 'this route refuses a token that names an actor ("act" claim): the user must act themself', detail: { claim: 'act', expected: 'absent', actual: [{ sub: CAPTURED.userId }] },
    });
    assert.equal((await verifyLogtoToken(CAPTURED_TOKENS.impersonation.raw, options)).actor, undefined);
  });

  test('actorPolicy require turns away a token without act, and takes one with it', async () => {
    const options = capturedOptions({ actorPolicy: 'require' });
    assert.equal((await refusal(verifyLogtoToken(CAPTURED_TOKENS.user.raw, options))).code, 'ACTOR_INVALID');
    assert.deepEqual((await verifyLogtoToken(CAPTURED_TOKENS.impersonationWithActor.raw, options)).actors, [{ sub: CAPTURED.userId }]);
  });

  test('the default accepts every kind: users, machines, any client, actors', async () => {
    for (const name of ['m2m', 'user', 'impersonationWithActor'] as const) assert.equal((await verifyLogtoToken(CAPTURED_TOKENS[name].raw, capturedOptions())).isAuthenticated, true);
  });

  test('the acting chain reaches onEvent: a verified event names it, a refusal carries it in detail', async () => {
    const events: AuthEvent[] = [];
    const onEvent = (event: AuthEvent) => events.push(event);
    await verifyLogtoToken(CAPTURED_TOKENS.impersonationWithActor.raw, capturedOptions({ onEvent }));
    await verifyLogtoToken(CAPTURED_TOKENS.user.raw, capturedOptions({ onEvent }));
    await refusal(verifyLogtoToken(CAPTURED_TOKENS.impersonationWithActor.raw, capturedOptions({ onEvent, actorPolicy: 'refuse' })));
    const seen = events.filter((event) => event.type === 'verified' || event.type === 'rejected');
    assert.deepEqual(seen[0], { type: 'verified', cached: false, sub: CAPTURED.userId, alg: 'ES384', actors: [{ sub: CAPTURED.userId }] });
    assert.deepEqual(seen[1], { type: 'verified', cached: false, sub: CAPTURED.userId, alg: 'ES384' });
    assert.deepEqual(seen[2], {
      type: 'rejected', code: 'ACTOR_INVALID', status: 403, stage: 'claims', message: 'this route refuses a token that names an actor ("act" claim): the user must act themself', detail: { claim: 'act', expected: 'absent', actual: [{ sub: CAPTURED.userId }] },
    });
  });

  test('a token the cache remembers keeps its context, and its acting chain reaches onEvent on a hit', async () => {
    const events: AuthEvent[] = [];
    const options = capturedOptions({ tokenCache: true, onEvent: (event) => events.push(event) });
    const raw = CAPTURED_TOKENS.impersonationWithActor.raw;
    const first = await verifyLogtoToken(raw, options);
    await verifyLogtoToken(raw, options); // remembered from its second verification on
    const hit = await verifyLogtoToken(raw, options);
    assert.deepEqual(fieldsOf(hit), fieldsOf(first));
    assert.deepEqual(events.at(-1), { type: 'verified', cached: true, sub: CAPTURED.userId, alg: undefined, actors: [{ sub: CAPTURED.userId }] });
  });
});

describe('the context of the embedded issuer tokens', () => {
  let logto: LogtoIssuer;
  before(async () => {
    logto = await startLogtoIssuer({ audience: 'https://api.kinds.test', organizations: ['org_1'] });
  });
  after(() => logto.close());
  beforeEach(() => clearJwksCache());
  const options = (extra: Partial<VerifyAuthOptions> = {}): VerifyAuthOptions => ({ logtoUrl: logto.logtoUrl, audience: [logto.audience, 'urn:logto:organization:org_1'], ...extra });

  test('a machine token: sub is the client, every granted scope, the API audience', async () => {
    const auth = await verifyLogtoToken(await logto.getToken({ scope: 'read:data' }), options());
    assert.deepEqual(fieldsOf(auth), {
      userId: logto.clientId, tokenType: 'machine', clientId: logto.clientId, scopes: ['read:data'], audience: [logto.audience], resource: logto.audience,
      organizationId: undefined, actor: undefined, actors: [], expiresAt: auth.payload.exp, issuedAt: auth.payload.iat,
    });
    assert.equal(typeof auth.expiresAt, 'number');
    assert.ok(auth.expiresAt > (auth.issuedAt ?? Infinity));
  });

  test('an organization token and an organization-level API token both name the organization', async () => {
    const orgToken = await verifyLogtoToken(await logto.getOrganizationToken('org_1'), options());
    assert.deepEqual([orgToken.organizationId, orgToken.audience, orgToken.resource], ['org_1', ['urn:logto:organization:org_1'], undefined]);
    const apiToken = await verifyLogtoToken(await logto.getToken({ organizationId: 'org_1' }), options());
    assert.deepEqual([apiToken.organizationId, apiToken.audience, apiToken.resource], ['org_1', [logto.audience], logto.audience]);
  });

  test('a token-exchange token names its actor, and actorPolicy refuse turns it away', async () => {
    const token = await logto.getToken({ actor: 'admin_7' });
    const auth = await verifyLogtoToken(token, options());
    assert.deepEqual([auth.actor, auth.actors], [{ sub: 'admin_7' }, [{ sub: 'admin_7' }]]);
    assert.equal((await refusal(verifyLogtoToken(token, options({ actorPolicy: 'refuse' })))).code, 'ACTOR_INVALID');
  });

  test('acceptsToken user refuses its machine tokens (403 TOKEN_TYPE_NOT_ACCEPTED)', async () => {
    const refused = await refusal(verifyLogtoToken(await logto.getToken(), options({ acceptsToken: 'user' })));
    assert.deepEqual([refused.code, refused.status], ['TOKEN_TYPE_NOT_ACCEPTED', 403]);
  });
});

describe('contextOf', () => {
  const claims = { iss: 'https://t.example/oidc', sub: 'user_1', exp: 1_800_000_000, client_id: 'app_1' };

  test('reads a URL-shaped client_id (an MCP client ID metadata document) as the client, exactly', () => {
    const clientId = 'https://mcp.example.com/client-metadata.json';
    assert.equal(contextOf({ ...claims, client_id: clientId }).clientId, clientId);
  });

  test('splits scope on single spaces, dropping empty names; an empty scope grants none', () => {
    assert.deepEqual(contextOf({ ...claims, scope: 'a  b ' }).scopes, ['a', 'b']);
    assert.deepEqual(contextOf({ ...claims, scope: '' }).scopes, []);
  });

  test('lists a nested act as the acting chain, the current actor first', () => {
    const act = { sub: 'agent_2', act: { sub: 'agent_1', client_id: 'app_9' } };
    const auth = contextOf({ ...claims, act });
    assert.deepEqual(auth.actors, [act, { sub: 'agent_1', client_id: 'app_9' }]);
    assert.equal(auth.actor, act);
  });

  test('a token without client_id is a user token of no client', () => {
    const { client_id: _clientId, ...withoutClient } = claims;
    assert.deepEqual([contextOf(withoutClient).tokenType, contextOf(withoutClient).clientId], ['user', undefined]);
  });
});
