import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AUTH_ERROR_STATUS, AuthError, bearerChallenge, errorBody, errorHeaders, isAuthError, type AuthErrorCode } from '../lib/errors.ts';

// the contract's table, plus ORGANIZATION_INVALID (403), our extension for requiredOrganization
const CONTRACT_TABLE: Record<AuthErrorCode, number> = {
  TOKEN_MISSING: 401,
  TOKEN_MALFORMED: 401,
  TOKEN_TYPE_INVALID: 401,
  ALGORITHM_NOT_ALLOWED: 401,
  KEY_NOT_FOUND: 401,
  SIGNATURE_INVALID: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_NOT_YET_VALID: 401,
  ISSUER_INVALID: 401,
  AUDIENCE_INVALID: 401,
  SCOPE_MISSING: 403,
  ORGANIZATION_INVALID: 403,
  JWKS_UNAVAILABLE: 503,
};

describe('AuthError', () => {
  test('has exactly the contract codes, each with its status', () => {
    assert.deepEqual({ ...AUTH_ERROR_STATUS }, CONTRACT_TABLE);
    for (const [code, status] of Object.entries(CONTRACT_TABLE)) {
      const error = new AuthError(code as AuthErrorCode, 'm');
      assert.equal(error.status, status);
      assert.equal(error.code, code);
      assert.equal(error.name, 'AuthError');
      assert.ok(error instanceof Error);
      assert.ok(isAuthError(error));
    }
  });

  test('keeps detail apart from the message', () => {
    const error = new AuthError('AUDIENCE_INVALID', 'aud is wrong', { detail: { claim: 'aud', expected: ['b'], actual: 'a' } });
    assert.deepEqual(error.detail, { claim: 'aud', expected: ['b'], actual: 'a' });
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

  test('says insufficient_scope without a scope for the wrong organization', () => {
    assert.equal(bearerChallenge(new AuthError('ORGANIZATION_INVALID', 'another organization')), 'Bearer error="insufficient_scope", error_description="another organization"');
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
