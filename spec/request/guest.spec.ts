import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthError, AUTH_ERROR_STATUS, type AuthErrorCode } from '../../lib/errors.ts';
import { guestContext, guestIdFromCookie, isGuestEligible, newGuestId } from '../../lib/request/guest.ts';

describe('isGuestEligible', () => {
  test('is true for every 401 and false for the 403 and the 503', () => {
    for (const code of Object.keys(AUTH_ERROR_STATUS) as AuthErrorCode[]) {
      assert.equal(isGuestEligible(new AuthError(code, 'x')), AUTH_ERROR_STATUS[code] === 401, code);
    }
  });
});

describe('guestIdFromCookie', () => {
  test('keeps a canonical lowercase UUID', () => {
    assert.equal(guestIdFromCookie('3f2b8c1e-9a4d-4e7b-8c2f-1d6a5b4c3e2f'), '3f2b8c1e-9a4d-4e7b-8c2f-1d6a5b4c3e2f');
  });

  test('refuses the nil UUID, uppercase, braces, extra characters and anything else', () => {
    for (const value of [
      '00000000-0000-0000-0000-000000000000',
      '3F2B8C1E-9A4D-4E7B-8C2F-1D6A5B4C3E2F',
      '{3f2b8c1e-9a4d-4e7b-8c2f-1d6a5b4c3e2f}',
      '3f2b8c1e-9a4d-4e7b-8c2f-1d6a5b4c3e2f0',
      '3f2b8c1e9a4d4e7b8c2f1d6a5b4c3e2f',
      '3f2b8c1e-9a4d-4e7b-8c2f-1d6a5b4c3e2f\r\nSet-Cookie: a=1',
      'user_123',
      '',
      undefined,
    ]) {
      assert.equal(guestIdFromCookie(value), undefined, String(value));
    }
  });
});

describe('guest context', () => {
  test('is the contract shape with a fresh random UUID', () => {
    const id = newGuestId();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(newGuestId(), id);
    assert.deepEqual(guestContext(id), { userId: null, isAuthenticated: false, payload: null, isGuest: true, guestId: id });
  });
});
