import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contextOf } from '../lib/context.ts';

const payload = { iss: 'https://tenant.logto.app/oidc', sub: 'user_1', aud: 'https://api.example.com', exp: 1_800_000_000 };

describe('contextOf', () => {
  test('exposes the act claim (RFC 8693 §4.1) as auth.actor, a nested chain included', () => {
    const act = { sub: 'admin_7', act: { sub: 'service_1' } };
    assert.deepEqual(contextOf({ ...payload, act }).actor, act);
  });

  test('sets no actor for a token without act, or with an act that is not an object', () => {
    assert.equal('actor' in contextOf(payload), false);
    for (const act of ['admin_7', ['admin_7'], null, 7]) assert.equal(contextOf({ ...payload, act }).actor, undefined);
  });
});
