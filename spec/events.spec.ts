// The onEvent hook as a user's logger sees it: one plain event per verdict on
// a token (verified, from the token cache or in full; rejected, with code,
// status, stage and detail), never the token or its signature, and a hook
// that throws never changes an answer.
import assert from 'node:assert/strict';
import { after, beforeEach, describe, test } from 'node:test';
import { AUTH_ERROR_STATUS } from '../lib/errors.ts';
import { MAX_EVENT_ERROR_LENGTH, redactedMessage, REJECTION_STAGE, type AuthEvent } from '../lib/events.ts';
import { clearJwksCache } from '../lib/keys/jwks-cache.ts';
import { clearTokenCache } from '../lib/token-cache.ts';
import { verifyAuth, verifyLogtoToken } from '../lib/verify.ts';
import { recordEvents } from './helpers/event-recorder.ts';
import { startJwksServer } from './helpers/jwks-server.ts';
import { makeKey, mint } from './helpers/keys.ts';

const AUDIENCE = 'https://api.events.test';
const key = await makeKey('ES256', 'events');
const server = await startJwksServer([key.publicJwk]);
after(() => server.close());
beforeEach(() => {
  clearJwksCache();
  clearTokenCache();
});

const options = (onEvent: (event: AuthEvent) => void, extra: Record<string, unknown> = {}) => ({ logtoUrl: server.logtoUrl, audience: AUDIENCE, onEvent, ...extra });
const token = (extra: { claims?: Record<string, unknown>; header?: Record<string, unknown>; aud?: string; expiresIn?: number } = {}) =>
  mint(key, { iss: server.issuer, aud: extra.aud ?? AUDIENCE, claims: extra.claims, header: extra.header, expiresIn: extra.expiresIn });

describe('verified events', () => {
  test('says whether the token cache answered, with sub and alg for a full verification', async () => {
    const hook = recordEvents();
    const t = await token();
    const opts = options(hook.onEvent); // the token cache answers under the same options object
    for (let i = 0; i < 3; i++) await verifyLogtoToken(t, opts);
    const verified = hook.events.filter((event) => event.type === 'verified');
    assert.deepEqual(verified, [
      { type: 'verified', cached: false, sub: 'user_123', alg: 'ES256' },
      { type: 'verified', cached: false, sub: 'user_123', alg: 'ES256' }, // the second verification is the one remembered
      { type: 'verified', cached: true, sub: 'user_123', alg: undefined },
    ]);
  });
});

describe('rejected events', () => {
  const forged = async () => {
    const t = await token();
    return `${t.slice(0, t.lastIndexOf('.') + 1)}${'A'.repeat(86)}`;
  };
  const vectors: { description: string; token: () => Promise<string>; code: string; stage: string; detail?: unknown; extra?: Record<string, unknown> }[] = [
    { description: 'a malformed token', token: async () => 'not.a.jwt', code: 'TOKEN_MALFORMED', stage: 'token' },
    { description: 'an alg off the allow-list', token: () => token(), code: 'ALGORITHM_NOT_ALLOWED', stage: 'token', extra: { algorithms: ['RS256'] } },
    { description: 'an unknown kid', token: () => token({ header: { kid: 'nobody' } }), code: 'KEY_NOT_FOUND', stage: 'keys' },
    { description: 'a forged signature', token: forged, code: 'SIGNATURE_INVALID', stage: 'signature' },
    { description: 'an expired token', token: () => token({ expiresIn: -60 }), code: 'TOKEN_EXPIRED', stage: 'claims' },
    { description: 'another audience', token: () => token({ aud: 'https://other.test' }), code: 'AUDIENCE_INVALID', stage: 'claims', detail: { claim: 'aud', expected: [AUDIENCE], actual: 'https://other.test' } },
    { description: 'a missing scope', token: () => token(), code: 'SCOPE_MISSING', stage: 'claims', extra: { requiredScope: 'admin' } },
  ];
  for (const vector of vectors) {
    test(`reports ${vector.description} as ${vector.code} at the ${vector.stage} stage, without the token`, async () => {
      const hook = recordEvents();
      const t = await vector.token();
      await assert.rejects(verifyLogtoToken(t, options(hook.onEvent, vector.extra)), { code: vector.code });
      const rejected = hook.events.filter((event) => event.type === 'rejected');
      assert.equal(rejected.length, 1);
      const event = rejected[0]!;
      assert.ok(event.type === 'rejected');
      assert.equal(event.code, vector.code);
      assert.equal(event.status, AUTH_ERROR_STATUS[event.code]);
      assert.equal(event.stage, vector.stage);
      assert.equal(typeof event.message, 'string');
      if (vector.detail) assert.deepEqual(event.detail, vector.detail);
      const serialized = JSON.stringify(hook.events);
      for (const part of t.split('.')) if (part.length > 8) assert.ok(!serialized.includes(part), 'no part of the token in any event');
    });
  }

  test('names a stage for every error code', () => {
    assert.deepEqual(Object.keys(REJECTION_STAGE).sort(), Object.keys(AUTH_ERROR_STATUS).sort());
  });

  test('gives the same answer when the hook throws', async () => {
    const throwing = () => {
      throw new Error('the logger is down');
    };
    await assert.rejects(verifyLogtoToken(await token({ expiresIn: -60 }), options(throwing)), { code: 'TOKEN_EXPIRED', status: 401 });
    assert.equal((await verifyLogtoToken(await token(), options(throwing))).isAuthenticated, true);
  });
});

describe('rejected events for a request', () => {
  test('reports a request without any token as TOKEN_MISSING at the request stage', async () => {
    const hook = recordEvents();
    await assert.rejects(verifyAuth({ headers: {} }, options(hook.onEvent)), { code: 'TOKEN_MISSING', status: 401 });
    assert.deepEqual(hook.events, [{ type: 'rejected', code: 'TOKEN_MISSING', status: 401, stage: 'request', message: 'no access token in the cookie or the Authorization header', detail: undefined }]);
  });
});

describe('secrets out of events', () => {
  test('shows the JWKS URL without userinfo or query in jwks-fetched and jwks-backoff', async () => {
    const hook = recordEvents();
    const secretUri = `${server.jwksUri.replace('http://', 'http://admin:pa55word@')}?access_token=s3cret-query#frag`;
    // the fetch fails with a message quoting the URL it was given, as some fetch wrappers do
    const quoting: typeof fetch = async (input) => {
      throw new Error(`request to ${String(input)} failed, reason: connect ECONNREFUSED`);
    };
    await assert.rejects(verifyLogtoToken(await token(), options(hook.onEvent, { jwksUri: secretUri, fetch: quoting })), { code: 'JWKS_UNAVAILABLE', status: 503 });
    const jwksEvents = hook.events.filter((event) => event.type === 'jwks-fetched' || event.type === 'jwks-backoff');
    assert.deepEqual(jwksEvents.map((event) => event.type), ['jwks-fetched', 'jwks-backoff']);
    for (const event of jwksEvents) assert.equal((event as { jwksUri: string }).jwksUri, server.jwksUri);
    assert.equal((jwksEvents[0] as { error: string }).error, `request to ${server.jwksUri} failed, reason: connect ECONNREFUSED`);
    const text = JSON.stringify(hook.events);
    for (const secret of ['pa55word', 's3cret-query', 'admin']) assert.ok(!text.includes(secret), secret);
  });

  test('redactedMessage takes out URL userinfo and query, credentials after Bearer or Basic, and what is past 200 characters', () => {
    assert.equal(redactedMessage(new Error('connect to redis://default:hunter2@10.0.0.5:6379/0?password=x failed')), 'connect to redis://10.0.0.5:6379/0 failed');
    assert.equal(redactedMessage(new Error('ERR echo: Authorization: Bearer AXXXtoken123, body ["SET"]')), 'ERR echo: Authorization: Bearer [redacted] body ["SET"]');
    assert.equal(redactedMessage(new Error('x'.repeat(500))).length, MAX_EVENT_ERROR_LENGTH);
    assert.equal(redactedMessage('plain'), 'plain');
  });
});
