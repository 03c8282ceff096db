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

  // from jose's and express-oauth2-jwt-bearer's suites: JWTPayload types both as strings
  test('answers TOKEN_MALFORMED for a client_id or jti that is not a string', () => {
    for (const claims of [{ client_id: ['bar'] }, { client_id: 42 }, { client_id: null }, { jti: true }, { jti: 1 }, { jti: { id: 'x' } }]) {
      assert.equal(codeOf({ ...base, ...claims }), 'TOKEN_MALFORMED', JSON.stringify(claims));
    }
    assert.equal(codeOf({ ...base, client_id: 'app_abc', jti: 'a1' }), undefined);
  });

  test('names the claim of the wrong type in detail', () => {
    for (const claim of ['client_id', 'jti']) {
      try {
        checkClaims({ ...base, [claim]: [1] }, expected, NOW);
        assert.fail(`expected TOKEN_MALFORMED for ${claim}`);
      } catch (error) {
        assert.deepEqual((error as { detail: unknown }).detail, { claim });
      }
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

  test('refuses a token without sub (RFC 9068 §2.2), so a verified context always names its subject', () => {
    const { sub: _sub, ...withoutSub } = base;
    assert.equal(codeOf(withoutSub), 'TOKEN_MALFORMED');
  });

  test('checks sub after exp, the issuer and the audience: a token for someone else is refused for that first', () => {
    const { sub: _sub, ...withoutSub } = base;
    assert.equal(codeOf({ ...withoutSub, exp: NOW - 1 }), 'TOKEN_EXPIRED');
    assert.equal(codeOf({ ...withoutSub, iss: 'joe' }), 'ISSUER_INVALID');
    assert.equal(codeOf({ ...withoutSub, aud: 'https://other.example' }), 'AUDIENCE_INVALID');
  });

  describe('maxTokenAge', () => {
    const maxAge = (maxTokenAgeSec: number, clockToleranceSec = 0) => ({ maxTokenAgeSec, clockToleranceSec });

    test('accepts a token issued within the bound, up to the bound itself', () => {
      assert.equal(codeOf({ ...base, iat: NOW - 299 }, maxAge(300)), undefined);
      assert.equal(codeOf({ ...base, iat: NOW - 300 }, maxAge(300)), undefined);
      assert.equal(codeOf({ ...base, iat: NOW }, maxAge(300)), undefined);
    });

    test('answers TOKEN_MALFORMED for a token without iat', () => {
      assert.equal(codeOf(base, maxAge(300)), 'TOKEN_MALFORMED');
      try {
        checkClaims(base, { ...expected, ...maxAge(300) }, NOW);
        assert.fail('expected TOKEN_MALFORMED');
      } catch (error) {
        assert.equal((error as Error).message, 'the token has no "iat" (issued at) claim, which a maximum token age needs');
        assert.deepEqual((error as { detail: unknown }).detail, { claim: 'iat' });
      }
    });

    test('answers TOKEN_EXPIRED for a token older than the bound, naming iat in detail', () => {
      try {
        checkClaims({ ...base, iat: NOW - 301 }, { ...expected, ...maxAge(300) }, NOW);
        assert.fail('expected TOKEN_EXPIRED');
      } catch (error) {
        const e = error as { code: string; status: number; detail: { claim: string; actual: unknown } };
        assert.equal(e.code, 'TOKEN_EXPIRED');
        assert.equal(e.status, 401);
        assert.equal(e.detail.claim, 'iat');
        assert.equal(e.detail.actual, NOW - 301);
      }
    });

    test('answers TOKEN_NOT_YET_VALID for a token issued in the future beyond the tolerance', () => {
      assert.equal(codeOf({ ...base, iat: NOW + 1 }, maxAge(300)), 'TOKEN_NOT_YET_VALID');
      assert.equal(codeOf({ ...base, iat: NOW + 5 }, maxAge(300, 5)), undefined);
      assert.equal(codeOf({ ...base, iat: NOW + 6 }, maxAge(300, 5)), 'TOKEN_NOT_YET_VALID');
    });

    test('honours the clock tolerance on the age', () => {
      assert.equal(codeOf({ ...base, iat: NOW - 310 }, maxAge(300, 10)), undefined);
      assert.equal(codeOf({ ...base, iat: NOW - 311 }, maxAge(300, 10)), 'TOKEN_EXPIRED');
    });

    test('checks no iat without a bound', () => {
      assert.equal(codeOf(base), undefined);
      assert.equal(codeOf({ ...base, iat: NOW + 3600 }), undefined);
    });
  });

  // Logto's three permission models: global API resources (aud: the API),
  // organization-level API resources (aud: the API, plus organization_id),
  // organization permissions (aud: urn:logto:organization:<id>, no API at all)
  describe('requiredOrganization', () => {
    const any = { organization: { ids: new Set<string>() } };
    const only = (...ids: string[]) => ({ organization: { ids: new Set(ids) } });
    const organizationToken = (id: string) => ({ ...base, aud: `urn:logto:organization:${id}` });

    test('accepts an organization token for an organization it names', () => {
      const claims = organizationToken('org_1');
      assert.equal(codeOf(claims, only('org_1')), undefined);
      assert.equal(codeOf(claims, only('org_2', 'org_1')), undefined);
      assert.equal(organizationOf(claims), 'org_1');
    });

    test('accepts an organization token whose URN the audience lists', () => {
      assert.equal(codeOf(organizationToken('org_1'), { audiences: new Set(['https://api.example', 'urn:logto:organization:org_1']) }), undefined);
      assert.equal(codeOf(organizationToken('org_2'), { audiences: new Set(['https://api.example', 'urn:logto:organization:org_1']) }), 'AUDIENCE_INVALID');
    });

    test('refuses an organization token where any organization will do: the opt-in names organizations', () => {
      assert.equal(codeOf(organizationToken('org_1'), any), 'AUDIENCE_INVALID');
    });

    test('accepts an organization-level API resource token by aud plus organization_id', () => {
      const claims = { ...base, organization_id: 'org_1' };
      assert.equal(codeOf(claims, only('org_2', 'org_1')), undefined);
      assert.equal(codeOf(claims, any), undefined);
      assert.equal(organizationOf(claims), 'org_1');
    });

    test('always checks an API resource audience, with organization_id too', () => {
      assert.equal(codeOf({ ...base, aud: 'https://other-api.example', organization_id: 'org_1' }, any), 'AUDIENCE_INVALID');
      assert.equal(codeOf({ ...base, aud: 'https://other-api.example', organization_id: 'org_1' }, only('org_1')), 'AUDIENCE_INVALID');
    });

    test('refuses an aud that mixes an organization with an API resource, ours or another', () => {
      for (const aud of [['https://other-api.example', 'urn:logto:organization:org_1'], ['https://api.example', 'urn:logto:organization:org_1'], ['urn:logto:organization:org_1', 'urn:logto:organization:org_2']]) {
        assert.equal(codeOf({ ...base, aud }, only('org_1')), 'AUDIENCE_INVALID', JSON.stringify(aud));
        assert.equal(codeOf({ ...base, aud }, any), 'AUDIENCE_INVALID', JSON.stringify(aud));
        assert.equal(codeOf({ ...base, aud }), 'AUDIENCE_INVALID', JSON.stringify(aud));
      }
    });

    test('answers 403 ORGANIZATION_INVALID for another organization or none', () => {
      assert.equal(codeOf({ ...base, organization_id: 'org_2' }, only('org_1')), 'ORGANIZATION_INVALID');
      assert.equal(codeOf(organizationToken('org_2'), only('org_1')), 'ORGANIZATION_INVALID');
      assert.equal(codeOf(base, any), 'ORGANIZATION_INVALID');
      assert.equal(codeOf({ ...organizationToken('org_1'), organization_id: 'org_2' }, only('org_1', 'org_2')), 'ORGANIZATION_INVALID');
    });

    test('keeps refusing an organization audience when no organization is required', () => {
      assert.equal(codeOf(organizationToken('org_1')), 'AUDIENCE_INVALID');
      assert.equal(codeOf(organizationToken(''), any), 'AUDIENCE_INVALID');
      assert.equal(codeOf(organizationToken(''), only('org_1')), 'AUDIENCE_INVALID');
    });

    test('answers TOKEN_MALFORMED for an organization_id that is not a non-empty string, required or not', () => {
      for (const organization_id of [42, '', null, ['org_1']]) {
        assert.equal(codeOf({ ...base, organization_id }, any), 'TOKEN_MALFORMED', JSON.stringify(organization_id));
        assert.equal(codeOf({ ...base, organization_id }), 'TOKEN_MALFORMED', JSON.stringify(organization_id));
      }
    });

    test('checks the organization before the scopes', () => {
      assert.equal(codeOf({ ...base, organization_id: 'org_2', scope: '' }, { ...only('org_1'), requiredScopes: ['x'] }), 'ORGANIZATION_INVALID');
    });
  });

  // Messages go into the JSON body and WWW-Authenticate: anyone holding any
  // token of the tenant would read the configuration there. Expected values
  // belong in detail (logs, hooks) only.
  describe('messages', () => {
    const SECRET_ISSUER = 'https://auth.secret-issuer.example/oidc';
    const SECRET_AUDIENCE = 'https://secret-api.example';
    const SECRET_ORGANIZATION = 'org_secret_42';
    const configured: ExpectedClaims = {
      issuers: new Set([SECRET_ISSUER]),
      audiences: new Set([SECRET_AUDIENCE, 'urn:logto:organization:org_secret_urn']),
      requiredScopes: [],
      clockToleranceSec: 0,
      organization: { ids: new Set([SECRET_ORGANIZATION, 'org_secret_other']) },
      maxTokenAgeSec: 300,
    };
    const good = { iss: SECRET_ISSUER, aud: SECRET_AUDIENCE, exp: NOW + 60, iat: NOW, sub: 'u', organization_id: SECRET_ORGANIZATION };
    const vectors: { description: string; claims: Record<string, unknown>; code: string }[] = [
      { description: 'another issuer', claims: { iss: 'https://t.example/oidc' }, code: 'ISSUER_INVALID' },
      { description: 'no issuer', claims: { iss: undefined }, code: 'ISSUER_INVALID' },
      { description: 'another audience', claims: { aud: 'https://api.example' }, code: 'AUDIENCE_INVALID' },
      { description: 'no audience', claims: { aud: undefined }, code: 'AUDIENCE_INVALID' },
      { description: 'an organization token of another organization', claims: { aud: 'urn:logto:organization:org_1', organization_id: undefined }, code: 'ORGANIZATION_INVALID' },
      { description: 'a mixed audience', claims: { aud: [SECRET_AUDIENCE, 'urn:logto:organization:org_1'] }, code: 'AUDIENCE_INVALID' },
      { description: 'another organization', claims: { organization_id: 'org_1' }, code: 'ORGANIZATION_INVALID' },
      { description: 'no organization', claims: { organization_id: undefined }, code: 'ORGANIZATION_INVALID' },
      { description: 'two organizations', claims: { aud: 'urn:logto:organization:org_secret_urn', organization_id: SECRET_ORGANIZATION }, code: 'ORGANIZATION_INVALID' },
      { description: 'a token too old', claims: { iat: NOW - 301 }, code: 'TOKEN_EXPIRED' },
      { description: 'a token issued in the future', claims: { iat: NOW + 1 }, code: 'TOKEN_NOT_YET_VALID' },
      { description: 'no iat under maxTokenAge', claims: { iat: undefined }, code: 'TOKEN_MALFORMED' },
    ];
    const secrets = [SECRET_ISSUER, 'secret-issuer', SECRET_AUDIENCE, 'secret-api', SECRET_ORGANIZATION, 'org_secret', '300'];

    assert.equal(codeOf(good, configured), undefined);
    for (const vector of vectors) {
      test(`carry no configured issuer, audience or organization for ${vector.description}, detail does`, () => {
        const claims = { ...good, ...vector.claims };
        for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name as keyof typeof claims];
        try {
          checkClaims(claims, configured, NOW);
          assert.fail(`expected ${vector.code}`);
        } catch (error) {
          const e = error as { code: string; message: string; detail?: { expected?: unknown } };
          assert.equal(e.code, vector.code);
          for (const secret of secrets) assert.ok(!e.message.includes(secret), `${JSON.stringify(e.message)} contains ${secret}`);
          // nor a value taken from the token
          for (const value of Object.values(vector.claims)) if (typeof value === 'string') assert.ok(!e.message.includes(value), `${JSON.stringify(e.message)} contains ${value}`);
          if (['ISSUER_INVALID', 'AUDIENCE_INVALID', 'ORGANIZATION_INVALID'].includes(e.code)) assert.ok(e.detail?.expected !== undefined, 'detail keeps the expected values');
        }
      });
    }
  });
});
