// The embedded issuer (spec/helpers/logto-issuer.ts, node-oidc-provider) against
// what a real Logto 1.42 emitted (fixtures/logto-1.42/): per kind of token, the
// header's member names, the claim names and the type of each value, and the
// lifetime, so a drift of the issuer the demo and the e2e specs trust shows up
// here as a failure rather than as a false green there.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CAPTURED, CAPTURED_TOKENS, type CapturedTokenName } from '../helpers/logto-captures.ts';
import { startLogtoIssuer, WEB_CLIENT_ID, type LogtoIssuer } from '../helpers/logto-issuer.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';

/** A JSON value's type, with arrays, null and the members of an object told apart. */
type Shape = string | { [member: string]: Shape };

function shapeOf(value: unknown): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value !== 'object') return typeof value;
  const members: Record<string, Shape> = {};
  for (const name of Object.keys(value).sort()) members[name] = shapeOf((value as Record<string, unknown>)[name]);
  return members;
}

function decode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header, claims] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>);
  return { header: header!, claims: claims! };
}

const lifetime = (claims: Record<string, unknown>) => Number(claims.exp) - Number(claims.iat);

describe('the embedded issuer emits what Logto 1.42 emits', () => {
  let logto: LogtoIssuer;
  let receiver: LoopbackServer;
  const logoutTokens: string[] = [];

  before(async () => {
    // the web client's back-channel logout endpoint: keeps each logout token it is sent
    receiver = await serveOnLoopback((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        logoutTokens.push(new URLSearchParams(body).get('logout_token') ?? '');
        res.writeHead(200).end();
      });
    });
    logto = await startLogtoIssuer({ backchannelLogoutUri: `${receiver.url}/logout`, organizations: [CAPTURED.organizationId] });
  });
  after(async () => {
    await logto.close();
    await receiver.close();
  });

  // each kind: the capture that shows Logto's shape, and the same kind from the issuer
  const kinds: Array<{ kind: string; captured: CapturedTokenName; issue: () => Promise<string> }> = [
    { kind: 'an API access token with a scope', captured: 'm2m', issue: () => logto.getToken({ scope: 'read:data' }) },
    { kind: 'an API access token asked for no scope (no scope claim at all)', captured: 'm2mNoScope', issue: () => logto.getToken({ scope: '' }) },
    { kind: 'an organization token (aud urn:logto:organization:<id>, no organization_id)', captured: 'm2mOrganization', issue: () => logto.getOrganizationToken(CAPTURED.organizationId) },
    { kind: 'an organization-level API token (aud the API, organization_id)', captured: 'm2mOrganizationApi', issue: () => logto.getToken({ organizationId: CAPTURED.organizationId }) },
    { kind: 'a token-exchange token with an actor (act { sub })', captured: 'impersonationWithActor', issue: () => logto.getToken({ actor: CAPTURED.userId }) },
    { kind: 'an ID token (no typ, aud the client id, nonce, sid)', captured: 'idToken', issue: () => logto.getIdToken({ sub: CAPTURED.userId }) },
    {
      kind: 'a back-channel logout token (typ logout+jwt)',
      captured: 'logoutToken',
      issue: async () => {
        await logto.backchannelLogout(CAPTURED.userId, 'session_1');
        return logoutTokens.at(-1)!;
      },
    },
  ];

  for (const { kind, captured, issue } of kinds) {
    describe(kind, () => {
      const real = CAPTURED_TOKENS[captured];
      let ours: ReturnType<typeof decode>;
      before(async () => {
        ours = decode(await issue());
      });

      test(`has the header members of ${real.name}`, () => {
        assert.deepEqual(shapeOf(ours.header), shapeOf(real.header));
      });

      test(`has the claims of ${real.name}, each with its type`, () => {
        assert.deepEqual(shapeOf(ours.claims), shapeOf(real.claims));
      });

      test(`lives as long as ${real.name}`, () => {
        assert.equal(lifetime(ours.claims), lifetime(real.claims!));
      });
    });
  }

  test('types its tokens as Logto does: at+jwt, none for the ID token, logout+jwt', async () => {
    assert.equal(decode(await logto.getToken()).header.typ, 'at+jwt');
    assert.equal(Object.hasOwn(decode(await logto.getIdToken()).header, 'typ'), false);
    await logto.backchannelLogout('user_1', 'session_2');
    assert.equal(decode(logoutTokens.at(-1)!).header.typ, 'logout+jwt');
  });

  test('audiences its tokens as Logto does: the API, the organization URN, the client id', async () => {
    assert.equal(decode(await logto.getToken()).claims.aud, logto.audience);
    assert.equal(decode(await logto.getOrganizationToken(CAPTURED.organizationId)).claims.aud, `urn:logto:organization:${CAPTURED.organizationId}`);
    assert.equal(decode(await logto.getIdToken()).claims.aud, WEB_CLIENT_ID);
    // Logto's: the traditional web app's client id
    assert.equal(CAPTURED_TOKENS.idToken.claims!.aud, CAPTURED.webClientId);
  });
});
