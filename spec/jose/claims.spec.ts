import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkClaims, organizationOf, type ExpectedClaims } from '../../lib/jose/claims.ts';

const NOW = 1_700_000_000;
const expected: ExpectedClaims = {
  issuers: new Set(['https://t.example/oidc']),
  audiences: new Set(['https://api.example']),
  requiredScopes: [],
  clockToleranceSec: 0,
};
const base = { iss: 'https://t.example/oidc', aud: 'https://api.example', exp: NOW + 60, sub: 'u' };

function codeOf(payload: Record<string, unknown>, options: Partial<ExpectedClaims> = {}): string | undefined {
  try {
    checkClaims(payload, { ...expected, ...options }, NOW);
    return undefined;
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('checkClaims', () => {
  test('accepts a well-formed claims set', () => assert.equal(codeOf(base), undefined));

  test('requires exp (RFC 9068 §2.2)', () => assert.equal(codeOf({ ...base, exp: undefined }), 'TOKEN_MALFORMED'));

  test('answers TOKEN_MALFORMED for a claim of the wrong type', () => {
    for (const claims of [{ exp: '1700000060' }, { exp: Infinity }, { exp: null }, { nbf: 'x' }, { iat: '1' }, { iss: ['https://t.example/oidc'] }, { sub: 42 }, { aud: { 0: 'https://api.example' } }, { aud: [1, 'https://api.example'] }, { scope: ['read'] }]) {
      assert.equal(codeOf({ ...base, ...claims }), 'TOKEN_MALFORMED', JSON.stringify(claims));
    }
  });

  test('expires at exp itself and honours the tolerance', () => {
    assert.equal(codeOf({ ...base, exp: NOW }), 'TOKEN_EXPIRED');
    assert.equal(codeOf({ ...base, exp: NOW - 0.5 }), 'TOKEN_EXPIRED');
    assert.equal(codeOf({ ...base, exp: NOW + 0.5 }), undefined);
    assert.equal(codeOf({ ...base, exp: NOW - 10 }, { clockToleranceSec: 11 }), undefined);
    assert.equal(codeOf({ ...base, exp: NOW - 10 }, { clockToleranceSec: 10 }), 'TOKEN_EXPIRED');
  });

  test('is not yet valid only after nbf, with the tolerance', () => {
    assert.equal(codeOf({ ...base, nbf: NOW }), undefined);
    assert.equal(codeOf({ ...base, nbf: NOW + 1 }), 'TOKEN_NOT_YET_VALID');
    assert.equal(codeOf({ ...base, nbf: NOW + 5 }, { clockToleranceSec: 5 }), undefined);
  });

  test('matches the issuer exactly, or any of the overrides', () => {
    for (const iss of [undefined, 'https://t.example/oidc/', 'https://T.example/oidc', 'http://t.example/oidc', 'https://other.example/oidc']) {
      assert.equal(codeOf({ ...base, iss }), 'ISSUER_INVALID', String(iss));
    }
    assert.equal(codeOf({ ...base, iss: 'https://auth.custom/oidc' }, { issuers: new Set(['https://t.example/oidc', 'https://auth.custom/oidc']) }), undefined);
  });

  test('needs one expected audience in aud, string or array', () => {
    assert.equal(codeOf({ ...base, aud: ['x', 'https://api.example'] }), undefined);
    for (const aud of [undefined, [], 'https://api.example/', 'HTTPS://API.EXAMPLE', 'https://api.example.evil', ['x']]) {
      assert.equal(codeOf({ ...base, aud }), 'AUDIENCE_INVALID', JSON.stringify(aud));
    }
    assert.equal(codeOf({ ...base, aud: 'b' }, { audiences: new Set(['a', 'b']) }), undefined);
  });

  test('matches scopes exactly on the space-split scope claim', () => {
    const need = (scope: string | undefined, requiredScopes: string[]) => codeOf({ ...base, scope }, { requiredScopes });
    assert.equal(need('read write', ['write']), undefined);
    assert.equal(need('  read   write ', ['read', 'write']), undefined);
    assert.equal(need('read:all', ['read']), 'SCOPE_MISSING');
    assert.equal(need('overwrite', ['write']), 'SCOPE_MISSING');
    assert.equal(need('WRITE', ['write']), 'SCOPE_MISSING');
    assert.equal(need('read,write', ['write']), 'SCOPE_MISSING');
    assert.equal(need(undefined, ['write']), 'SCOPE_MISSING');
    assert.equal(need('read', ['read', 'write']), 'SCOPE_MISSING');
  });

  test('reports the missing scope as detail, status 403', () => {
    try {
      checkClaims({ ...base, scope: 'read' }, { ...expected, requiredScopes: ['read', 'write'] }, NOW);
      assert.fail('expected SCOPE_MISSING');
    } catch (error) {
      const e = error as { status: number; detail: unknown; message: string };
      assert.equal(e.status, 403);
      assert.deepEqual(e.detail, { claim: 'scope', expected: ['read', 'write'], actual: ['read'] });
      assert.match(e.message, /write/);
    }
  });

  test('checks exp before the issuer, and the issuer before the audience', () => {
    assert.equal(codeOf({ iss: 'x', aud: 'y', exp: NOW - 1 }), 'TOKEN_EXPIRED');
    assert.equal(codeOf({ iss: 'x', aud: 'y', exp: NOW + 1 }), 'ISSUER_INVALID');
  });

  describe('requiredOrganization', () => {
    const any = { organization: { ids: new Set<string>() } };
    const only = (...ids: string[]) => ({ organization: { ids: new Set(ids) } });

    test('accepts an organization token by its urn:logto:organization audience', () => {
      const claims = { ...base, aud: 'urn:logto:organization:org_1' };
      assert.equal(codeOf(claims, any), undefined);
      assert.equal(codeOf(claims, only('org_1')), undefined);
      assert.equal(organizationOf(claims), 'org_1');
    });

    test('accepts an organization-level API resource token by aud plus organization_id', () => {
      const claims = { ...base, organization_id: 'org_1' };
      assert.equal(codeOf(claims, only('org_2', 'org_1')), undefined);
      assert.equal(organizationOf(claims), 'org_1');
    });

    test('answers 403 ORGANIZATION_INVALID for another organization or none', () => {
      assert.equal(codeOf({ ...base, organization_id: 'org_2' }, only('org_1')), 'ORGANIZATION_INVALID');
      assert.equal(codeOf({ ...base, aud: 'urn:logto:organization:org_2' }, only('org_1')), 'ORGANIZATION_INVALID');
      assert.equal(codeOf(base, any), 'ORGANIZATION_INVALID');
      assert.equal(codeOf({ ...base, aud: 'urn:logto:organization:org_1', organization_id: 'org_2' }, any), 'ORGANIZATION_INVALID');
    });

    test('keeps refusing an organization audience when no organization is required', () => {
      assert.equal(codeOf({ ...base, aud: 'urn:logto:organization:org_1' }), 'AUDIENCE_INVALID');
      assert.equal(codeOf({ ...base, aud: 'urn:logto:organization:' }, any), 'AUDIENCE_INVALID');
    });

    test('answers TOKEN_MALFORMED for an organization_id that is not a string', () => {
      assert.equal(codeOf({ ...base, organization_id: 42 }, any), 'TOKEN_MALFORMED');
    });

    test('checks the organization before the scopes', () => {
      assert.equal(codeOf({ ...base, organization_id: 'org_2', scope: '' }, { ...only('org_1'), requiredScopes: ['x'] }), 'ORGANIZATION_INVALID');
    });
  });
});
