import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeRevocation, encodeRevocation, MAX_REVOKED_ID_LENGTH, RevokedSet, type Revocation } from '../../lib/revocation/revoked-set.ts';

const T = 1_900_000_000; // seconds
const KEEP = 3660;
const TOLERANCE = 60;

function setWith(...revocations: Revocation[]): RevokedSet {
  const set = new RevokedSet(KEEP, TOLERANCE);
  for (const revocation of revocations) set.apply(revocation, T);
  return set;
}

describe('RevokedSet.match', () => {
  const vectors: [string, Revocation[], Record<string, unknown>, string | undefined][] = [
    ['matches nothing while empty', [], { sub: 'u1', iat: T - 10, jti: 'j1', sid: 's1' }, undefined],
    ['refuses a token of a revoked user issued before the revocation', [{ by: 'sub', id: 'u1', at: T }], { sub: 'u1', iat: T - 1 }, 'sub'],
    ['refuses a token of a revoked user issued in the second of the revocation', [{ by: 'sub', id: 'u1', at: T }], { sub: 'u1', iat: T }, 'sub'],
    ['accepts a token of a revoked user issued after the revocation', [{ by: 'sub', id: 'u1', at: T }], { sub: 'u1', iat: T + 1 }, undefined],
    ['refuses a token of a revoked user that has no iat', [{ by: 'sub', id: 'u1', at: T }], { sub: 'u1' }, 'sub'],
    ['refuses a token of a revoked user whose iat is not a number', [{ by: 'sub', id: 'u1', at: T }], { sub: 'u1', iat: String(T + 5) }, 'sub'],
    ['accepts another user', [{ by: 'sub', id: 'u1', at: T }], { sub: 'u2', iat: T - 1 }, undefined],
    ['keeps the latest revocation of a user when an older one arrives later', [{ by: 'sub', id: 'u1', at: T }, { by: 'sub', id: 'u1', at: T - 100 }], { sub: 'u1', iat: T - 50 }, 'sub'],
    ['refuses a revoked jti', [{ by: 'jti', id: 'j1', at: T, exp: T + 100 }], { sub: 'u1', iat: T + 5, jti: 'j1' }, 'jti'],
    ['accepts another jti', [{ by: 'jti', id: 'j1', at: T }], { jti: 'j2' }, undefined],
    ['refuses every token of a revoked session, issued after the revocation too', [{ by: 'sid', id: 's1', at: T }], { sub: 'u1', iat: T + 100, sid: 's1' }, 'sid'],
    ['accepts a token without sid while sessions are revoked', [{ by: 'sid', id: 's1', at: T }], { sub: 'u1', iat: T }, undefined],
    ['ignores a revocation that expired before it arrived', [{ by: 'sub', id: 'u1', at: T - KEEP }], { sub: 'u1', iat: T - KEEP - 10 }, undefined],
    ['refuses every token issued up to a revocation of all', [{ by: 'all', id: '*', at: T }], { sub: 'anyone', iat: T }, 'all'],
    ['accepts a token issued after a revocation of all', [{ by: 'all', id: '*', at: T }], { sub: 'anyone', iat: T + 1 }, undefined],
    ['refuses a token without iat after a revocation of all', [{ by: 'all', id: '*', at: T }], { sub: 'anyone' }, 'all'],
    // the dimensions for Logto events that name nobody (issue 18)
    ['refuses a token of a revoked organization (organization token audience)', [{ by: 'org', id: 'org1', at: T }], { sub: 'u1', iat: T, aud: 'urn:logto:organization:org1' }, 'org'],
    ['refuses a token of a revoked organization (organization_id claim)', [{ by: 'org', id: 'org1', at: T }], { sub: 'u1', iat: T - 5, aud: 'https://api', organization_id: 'org1' }, 'org'],
    ['accepts a token of another organization', [{ by: 'org', id: 'org1', at: T }], { sub: 'u1', iat: T, aud: 'urn:logto:organization:org2' }, undefined],
    ['accepts a token for no organization while an organization is revoked', [{ by: 'org', id: '*', at: T }], { sub: 'u1', iat: T, aud: 'https://api' }, undefined],
    ['refuses every organization token for org *', [{ by: 'org', id: '*', at: T }], { sub: 'u1', iat: T, aud: ['urn:logto:organization:any'] }, 'org'],
    ['accepts an organization token issued after the revocation', [{ by: 'org', id: 'org1', at: T }], { sub: 'u1', iat: T + 1, aud: 'urn:logto:organization:org1' }, undefined],
    ['refuses a token carrying a revoked scope', [{ by: 'scope', id: 'write:data', at: T }], { sub: 'u1', iat: T, scope: 'read:data write:data' }, 'scope'],
    ['accepts a token without the revoked scope', [{ by: 'scope', id: 'write:data', at: T }], { sub: 'u1', iat: T, scope: 'read:data write:data2' }, undefined],
    ['refuses every token that carries a scope for scope *', [{ by: 'scope', id: '*', at: T }], { sub: 'u1', iat: T, scope: 'read:data' }, 'scope'],
    ['accepts a token with no scope for scope *', [{ by: 'scope', id: '*', at: T }], { sub: 'u1', iat: T }, undefined],
    ['accepts a token with a revoked scope issued after the revocation', [{ by: 'scope', id: 'read:data', at: T }], { sub: 'u1', iat: T + 1, scope: 'read:data' }, undefined],
    ["refuses a removed member's token of that organization", [{ by: 'member', id: 'org1 u1', at: T }], { sub: 'u1', iat: T, organization_id: 'org1' }, 'member'],
    ["accepts a removed member's token of another organization", [{ by: 'member', id: 'org1 u1', at: T }], { sub: 'u1', iat: T, organization_id: 'org2' }, undefined],
    ["accepts a removed member's token for no organization", [{ by: 'member', id: 'org1 u1', at: T }], { sub: 'u1', iat: T, aud: 'https://api' }, undefined],
    ["accepts another member's token of that organization", [{ by: 'member', id: 'org1 u1', at: T }], { sub: 'u2', iat: T, organization_id: 'org1' }, undefined],
    ['ignores a jti whose token expired (with tolerance) before it arrived', [{ by: 'jti', id: 'j1', at: T - 100, exp: T - TOLERANCE }], { jti: 'j1' }, undefined],
  ];
  for (const [name, revocations, payload, expected] of vectors) {
    test(name, () => assert.equal(setWith(...revocations).match(payload), expected));
  }
});

describe('RevokedSet.sweep', () => {
  test('drops a user and a session once the longest token lifetime plus tolerance has passed, and a jti after its exp plus tolerance', () => {
    const set = setWith({ by: 'sub', id: 'u1', at: T }, { by: 'sid', id: 's1', at: T }, { by: 'jti', id: 'j1', at: T, exp: T + 10 }, { by: 'jti', id: 'j2', at: T });
    set.sweep(T + 10 + TOLERANCE - 1);
    assert.deepEqual(set.size(), { users: 1, tokens: 2, sessions: 1, organizations: 0, scopes: 0, members: 0 });
    set.sweep(T + 10 + TOLERANCE);
    assert.deepEqual(set.size(), { users: 1, tokens: 1, sessions: 1, organizations: 0, scopes: 0, members: 0 }, 'the jti with a known exp went first');
    set.sweep(T + KEEP - 1);
    assert.deepEqual(set.size(), { users: 1, tokens: 1, sessions: 1, organizations: 0, scopes: 0, members: 0 });
    set.sweep(T + KEEP);
    assert.deepEqual(set.size(), { users: 0, tokens: 0, sessions: 0, organizations: 0, scopes: 0, members: 0 });
  });
});

describe('decodeRevocation', () => {
  test('reads back what encodeRevocation wrote', () => {
    const revocation: Revocation = { by: 'jti', id: 'a"b\\c', at: T, exp: T + 5 };
    assert.deepEqual(decodeRevocation(encodeRevocation(revocation)), revocation);
  });

  const malformed: [string, string][] = [
    ['not JSON', '{'],
    ['not an object', '"sub"'],
    ['an unknown kind', JSON.stringify({ by: 'aud', id: 'x', at: T })],
    ['an empty id', JSON.stringify({ by: 'sub', id: '', at: T })],
    ['an id over the length cap', JSON.stringify({ by: 'sub', id: 'x'.repeat(MAX_REVOKED_ID_LENGTH + 1), at: T })],
    ['a time that is not whole seconds', JSON.stringify({ by: 'sub', id: 'x', at: T + 0.5 })],
    ['a negative exp', JSON.stringify({ by: 'jti', id: 'x', at: T, exp: -1 })],
  ];
  for (const [name, text] of malformed) {
    test(`ignores ${name}`, () => assert.equal(decodeRevocation(text), undefined));
  }
});

describe('RevokedSet member dimension for every organization', () => {
  test("refuses a holder's organization tokens in every organization, not their other tokens", () => {
    const set = setWith({ by: 'member', id: '* u1', at: T });
    assert.equal(set.match({ sub: 'u1', iat: T, aud: 'urn:logto:organization:o9' }), 'member');
    assert.equal(set.match({ sub: 'u1', iat: T, aud: 'https://api' }), undefined);
    assert.equal(set.match({ sub: 'u2', iat: T, aud: 'urn:logto:organization:o9' }), undefined);
  });

  test('the new kinds travel through the feed', () => {
    for (const revocation of [{ by: 'org', id: 'o1', at: T }, { by: 'scope', id: 'read:data', at: T }, { by: 'member', id: 'o1 u1', at: T }] as Revocation[]) {
      assert.deepEqual(decodeRevocation(encodeRevocation(revocation)), revocation);
    }
  });
});
