import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AUTH_ERROR_STATUS, AuthError, isAuthError, type AuthErrorCode } from '../lib/errors.ts';

// the contract's table
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
  TOKEN_REVOKED: 401,
  SCOPE_MISSING: 403,
  ORGANIZATION_INVALID: 403,
  CSRF_REJECTED: 403,
  // the guards' codes (docs/guards.md), beside the contract's
  CLAIM_INVALID: 403,
  ACTOR_INVALID: 403,
  // who may call (docs/context.md), beside the guards'
  TOKEN_TYPE_NOT_ACCEPTED: 403,
  CLIENT_NOT_ALLOWED: 403,
  JWKS_UNAVAILABLE: 503,
  REVOCATION_UNAVAILABLE: 503,
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
    assert.equal(error.message, 'aud is wrong');
  });
});
