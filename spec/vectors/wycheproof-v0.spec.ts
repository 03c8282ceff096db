// Wycheproof v0 JOSE vectors (fixtures/vectors/wycheproof/v0/): compact JWS
// checked at the signature layer with the library's parse, allow-list, JWKS key
// selection (getKey, fed by an injected fetch, one jwksUri per group) and
// verifySignature. Their payloads ("foo", "") are not access-token claim sets,
// so no claim is checked here.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AUTH_ERROR_STATUS, type AuthErrorCode } from '../../lib/errors.ts';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import { jwksFetch, keySource, readVectors, Tally, verdictOf, verifyJwsSignatureOnly } from '../helpers/vectors.ts';

interface TestCase {
  tcId: number;
  comment: string;
  flags: string[];
  jws: unknown;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface TestGroup {
  comment: string;
  public?: Record<string, unknown>;
  private?: Record<string, unknown>;
  tests: TestCase[];
}

/** The keyset a verifier of this group fetches: its public JWK(s), or, for the HMAC groups that have none, what the group gives. */
function groupJwks(group: TestGroup): { keys: unknown[] } {
  const keys = group.public ?? group.private ?? {};
  return Array.isArray(keys.keys) ? (keys as { keys: unknown[] }) : { keys: [keys] };
}

function headerAlg(jws: unknown): string | undefined {
  if (typeof jws !== 'string') return undefined;
  try {
    return (JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString('utf8')) as { alg?: string }).alg;
  } catch {
    return undefined;
  }
}

const REJECTION_CODES: ReadonlySet<AuthErrorCode> = new Set(['TOKEN_MALFORMED', 'ALGORITHM_NOT_ALLOWED', 'KEY_NOT_FOUND', 'SIGNATURE_INVALID']);

/** What we expect of one case: `verified`, or rejected (with an exact code where we decide against the label). */
type Expected = { verified: true; why?: string } | { verified: false; code?: AuthErrorCode | readonly AuthErrorCode[]; why?: string };

const SIGNATURE_DECISIONS: Readonly<Record<number, Expected>> = {
  // RFC 7520 Figure 20: the JWK says "alg":"PS256" for a PS384 JWS; the JWK's alg binds it (RFC 7517 §4.4)
  346: { verified: false, code: 'ALGORITHM_NOT_ALLOWED', why: 'the JWK is bound to PS256' },
  350: { verified: false, code: 'ALGORITHM_NOT_ALLOWED', why: 'the JWK is bound to PS256' },
  // RFC 7520 Figure 27: the JWK says "alg":"ES521" (sic), no algorithm at all, so the key is refused
  347: { verified: false, code: 'KEY_NOT_FOUND', why: 'the JWK alg "ES521" is unknown, so the key is refused' },
  351: { verified: false, code: 'KEY_NOT_FOUND', why: 'the JWK alg "ES521" is unknown, so the key is refused' },
};

function expectedFor(tc: TestCase, decisions: Readonly<Record<number, Expected>>): Expected {
  const decided = decisions[tc.tcId];
  if (decided) return decided;
  // this library has no HMAC: every HS* token is refused, whatever the label: at the
  // allow-list, or earlier when it is not strict compact JWS (the base64 group, tcIds 372/373 included)
  if (headerAlg(tc.jws)?.startsWith('HS')) return { verified: false, code: ['ALGORITHM_NOT_ALLOWED', 'TOKEN_MALFORMED'], why: 'HS* is never allowed' };
  return tc.result === 'valid' ? { verified: true } : { verified: false };
}

function runFile(path: string, decisions: Readonly<Record<number, Expected>>): void {
  const file = readVectors<{ numberOfTests: number; testGroups: TestGroup[] }>(path);
  const short = path.split('/').pop()!.replace(/\.json$/, '');

  describe(`wycheproof v0 ${short}`, () => {
    const tally = new Tally();
    const jwks = jwksFetch();
    before(() => clearJwksCache());
    after(() => console.log(tally.line(`wycheproof/v0/${short}.json`)));

    test(`has all ${file.numberOfTests} cases of the file`, () => {
      assert.equal(file.testGroups.reduce((count, group) => count + group.tests.length, 0), file.numberOfTests);
    });

    file.testGroups.forEach((group, index) => {
      // a distinct URL per group, so the per-URL JWKS cache never mixes two groups' keys
      const source = keySource(jwks, `https://wycheproof.example.test/${short}/${index}/jwks`, groupJwks(group));
      for (const tc of group.tests) {
        const expected = expectedFor(tc, decisions);
        const codes = expected.verified || expected.code === undefined ? '' : ` with ${[expected.code].flat().join(' or ')}`;
        const verb = expected.verified ? 'verifies' : `is rejected${codes}${expected.why ? ` (${expected.why})` : ''}`;
        test(`wycheproof v0 ${short} ${group.comment} tcId ${tc.tcId} (${tc.result}): ${tc.comment} — ${verb}`, async () => {
          // tcId 17 is JSON serialization: an object, not a compact string; the library takes strings only
          const verdict = await verdictOf(() => verifyJwsSignatureOnly(typeof tc.jws === 'string' ? tc.jws : JSON.stringify(tc.jws), source));
          tally.add(tc.result, verdict === 'verified');
          const againstLabel = (verdict === 'verified') !== (tc.result === 'valid');
          if (expected.why && againstLabel) tally.note(`${tc.result} ${verdict === 'verified' ? 'accepted' : 'rejected'}: ${expected.why}`);
          if (expected.verified) return assert.equal(verdict, 'verified');
          assert.notEqual(verdict, 'verified');
          assert.ok(REJECTION_CODES.has(verdict as AuthErrorCode), `unexpected code ${verdict}`);
          assert.equal(AUTH_ERROR_STATUS[verdict as AuthErrorCode], 401);
          if (expected.code) assert.ok([expected.code].flat().includes(verdict as AuthErrorCode), `rejected with ${verdict}`);
        });
      }
    });

    test('fetches no URL but the groups’ own JWKS URLs (an embedded jwk is ignored)', () => {
      assert.ok(jwks.requested.every((url) => url.startsWith(`https://wycheproof.example.test/${short}/`)));
    });
  });
}

runFile('wycheproof/v0/json_web_signature_test.json', SIGNATURE_DECISIONS);

// tcId 7, a ROCA key (CVE-2017-15361), follows its `invalid` result: parsePublicJwk
// refuses a modulus with the ROCA fingerprint, so the key never enters the set.
runFile('wycheproof/v0/json_web_key_test.json', {});
