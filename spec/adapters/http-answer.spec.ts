import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bearerChallenge, errorAnswer, errorBody, errorHeaders, errorResponse } from '../../lib/adapters/http-answer.ts';
import { AuthError } from '../../lib/errors.ts';

describe('errorBody', () => {
  test('is the code and the message, never the detail', () => {
    const error = new AuthError('AUDIENCE_INVALID', 'aud is wrong', { detail: { claim: 'aud', expected: ['b'], actual: 'a' } });
    assert.deepEqual(errorBody(error), { error: 'AUDIENCE_INVALID', message: 'aud is wrong' });
  });
});

describe('bearerChallenge', () => {
  test('has no error attribute when no token was sent (RFC 6750 §3.1)', () => {
    assert.equal(bearerChallenge(new AuthError('TOKEN_MISSING', 'none')), 'Bearer');
  });

  test('says invalid_token for a 401 token fault', () => {
    assert.equal(bearerChallenge(new AuthError('TOKEN_EXPIRED', 'the token has expired')), 'Bearer error="invalid_token", error_description="the token has expired"');
  });

  test('says insufficient_scope with the required scope for a 403', () => {
    const error = new AuthError('SCOPE_MISSING', 'lacks write', { detail: { claim: 'scope', expected: ['read', 'write'], actual: ['read'] } });
    assert.equal(bearerChallenge(error), 'Bearer error="insufficient_scope", error_description="lacks write", scope="read write"');
  });

  test('says insufficient_scope without a scope for every other 403', () => {
    assert.equal(bearerChallenge(new AuthError('CSRF_REJECTED', 'cross-site')), 'Bearer error="insufficient_scope", error_description="cross-site"');
  });

  test('says insufficient_scope without a scope for the wrong organization', () => {
    assert.equal(bearerChallenge(new AuthError('ORGANIZATION_INVALID', 'another organization')), 'Bearer error="insufficient_scope", error_description="another organization"');
  });

  test('carries resource_metadata (RFC 9728 §5.1) when given, with and without an error attribute', () => {
    const challenge = { resourceMetadataUrl: 'https://api.example.com/.well-known/oauth-protected-resource' };
    assert.equal(bearerChallenge(new AuthError('TOKEN_MISSING', 'none'), challenge), 'Bearer resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"');
    assert.equal(
      bearerChallenge(new AuthError('TOKEN_EXPIRED', 'the token has expired'), challenge),
      'Bearer error="invalid_token", error_description="the token has expired", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"',
    );
    const scope = new AuthError('SCOPE_MISSING', 'lacks write', { detail: { claim: 'scope', expected: ['write'], actual: [] } });
    assert.equal(bearerChallenge(scope, challenge), 'Bearer error="insufficient_scope", error_description="lacks write", scope="write", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"');
    assert.equal(errorAnswer(scope, challenge).headers['www-authenticate'], bearerChallenge(scope, challenge));
  });

  test('drops quotes, backslashes and control characters from quoted-strings', () => {
    const value = bearerChallenge(new AuthError('TOKEN_MALFORMED', 'a "b" \\c\r\nSet-Cookie: x=1'));
    assert.equal(value, 'Bearer error="invalid_token", error_description="a b cSet-Cookie: x=1"');
  });
});

describe('errorHeaders', () => {
  test('sends Retry-After and no challenge for a 503', () => {
    const headers = errorHeaders(new AuthError('JWKS_UNAVAILABLE', 'down'));
    assert.equal(headers['retry-after'], '5');
    assert.equal(headers['www-authenticate'], undefined);
    assert.equal(headers['cache-control'], 'no-store');
  });
});

describe('errorAnswer and errorResponse', () => {
  test('give the same status, headers and JSON body', async () => {
    const error = new AuthError('SCOPE_MISSING', 'lacks write', { detail: { claim: 'scope', expected: ['write'], actual: [] } });
    const answer = errorAnswer(error);
    assert.equal(answer.status, 403);
    assert.deepEqual(answer.headers, {
      'cache-control': 'no-store',
      'www-authenticate': 'Bearer error="insufficient_scope", error_description="lacks write", scope="write"',
      'content-type': 'application/json; charset=utf-8',
    });
    assert.deepEqual(JSON.parse(answer.body), { error: 'SCOPE_MISSING', message: 'lacks write' });
    const response = errorResponse(error);
    assert.equal(response.status, 403);
    for (const [name, value] of Object.entries(answer.headers)) assert.equal(response.headers.get(name), value);
    assert.equal(await response.text(), answer.body);
  });
});
