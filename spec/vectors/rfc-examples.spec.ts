// The RFC 7515, RFC 7520 and RFC 8037 examples (fixtures/vectors/rfc/): each
// verifies at the signature layer, fails with one bit of its signature flipped,
// and is refused as an access token by verifyLogtoToken.
import assert from 'node:assert/strict';
import { afterEach, before, describe, mock, test } from 'node:test';
import { AUTH_ERROR_STATUS, isAuthError, type AuthErrorCode } from '../../lib/errors.ts';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import type { VerifyAuthOptions } from '../../lib/options.ts';
import { verifyLogtoToken } from '../../lib/verify.ts';
import { flipSignatureBit, jwksFetch, keySource, readVectors, Tally, verdictOf, verifyJwsSignatureOnly } from '../helpers/vectors.ts';

interface RfcExample {
  id: string;
  source: string;
  alg: string;
  jwk: Record<string, unknown>;
  jws: string;
  payloadJson: Record<string, unknown> | null;
}

const FILES = ['rfc7515_A2_RS256', 'rfc7515_A3_ES256', 'rfc7515_A4_ES512', 'rfc7520_4_1_RS256', 'rfc7520_4_2_PS384', 'rfc7520_4_3_ES512', 'rfc8037_A4_EdDSA_Ed25519'] as const;

// RFC 7515 A.2 and A.3 carry {"iss":"joe","exp":1300819380,...}: exp is 2011-03-22T18:43:00Z
const RFC7515_EXP = 1300819380;
const NOW_2023 = 1700000000;

async function codeOf(promise: Promise<unknown>): Promise<AuthErrorCode | 'verified'> {
  try {
    await promise;
    return 'verified';
  } catch (error) {
    if (!isAuthError(error)) throw error;
    assert.equal(error.status, AUTH_ERROR_STATUS[error.code]);
    return error.code;
  }
}

describe('RFC JWS examples', () => {
  const tally = new Tally();
  const jwks = jwksFetch();
  before(() => clearJwksCache());
  afterEach(() => mock.timers.reset());

  for (const name of FILES) {
    const example = readVectors<RfcExample>(`rfc/${name}.json`);
    const jwksUri = `https://rfc.example.test/${name}/jwks`;
    const source = keySource(jwks, jwksUri, { keys: [example.jwk] });
    const options = (extra: Partial<VerifyAuthOptions> = {}): VerifyAuthOptions => ({ logtoUrl: 'https://tenant.example.test', audience: 'https://api.example.test', fetch: jwks.fetch, jwksUri, ...extra });

    describe(`${example.source} (${example.alg})`, () => {
      test(`verifies at the signature layer with its JWK, which has no "alg"`, async () => {
        assert.equal(example.jwk.alg, undefined);
        const { alg } = await verifyJwsSignatureOnly(example.jws, source);
        assert.equal(alg, example.alg);
        tally.add('valid', true);
      });

      test('is rejected with SIGNATURE_INVALID when one bit of the signature flips', async () => {
        const verdict = await verdictOf(() => verifyJwsSignatureOnly(flipSignatureBit(example.jws), source));
        tally.add('invalid', verdict === 'verified');
        assert.equal(verdict, 'SIGNATURE_INVALID');
      });

      // none of these headers has a "typ": each is refused as an access token
      // (RFC 9068 §4) before its payload is read (RFC 7520's is text, not JSON)
      // or any claim (RFC 7515 A.2/A.3 carry iss "joe" and an exp in 2011),
      // whatever the clock and the options, and before any JWKS request
      test('is refused as an access token with TOKEN_TYPE_INVALID (its header has no typ), before any JWKS request, at any clock', async () => {
        assert.equal(JSON.parse(Buffer.from(example.jws.split('.')[0]!, 'base64url').toString()).typ, undefined);
        const fetches = jwks.requested.length;
        for (const now of [NOW_2023, RFC7515_EXP - 60]) {
          mock.timers.enable({ apis: ['Date'], now: now * 1000 });
          assert.equal(await codeOf(verifyLogtoToken(example.jws, options())), 'TOKEN_TYPE_INVALID');
          assert.equal(await codeOf(verifyLogtoToken(example.jws, options({ issuer: 'joe' }))), 'TOKEN_TYPE_INVALID');
          mock.timers.reset();
        }
        assert.equal(jwks.requested.length, fetches);
      });
    });
  }

  test('prints the tally', () => {
    console.log(tally.line('rfc/*.json (signature layer: originals valid, bit-flipped invalid)'));
    assert.deepEqual({ ...tally.counts }, { validAccepted: 7, validRejected: 0, invalidRejected: 7, invalidAccepted: 0, acceptableAccepted: 0, acceptableRejected: 0 });
  });
});
