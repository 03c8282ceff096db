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

      if (example.payloadJson === null) {
        test('is refused as an access token with TOKEN_MALFORMED (its payload is no JSON claims set), before any JWKS request', async () => {
          const fetches = jwks.requested.length;
          assert.equal(await codeOf(verifyLogtoToken(example.jws, options())), 'TOKEN_MALFORMED');
          assert.equal(jwks.requested.length, fetches);
        });
        return;
      }

      // RFC 7515 A.2 and A.3: a signed JSON claims set, but not a Logto access token
      test('is refused as an access token with TOKEN_EXPIRED at a 2023 clock (exp is in 2011)', async () => {
        mock.timers.enable({ apis: ['Date'], now: NOW_2023 * 1000 });
        assert.equal(await codeOf(verifyLogtoToken(example.jws, options())), 'TOKEN_EXPIRED');
      });

      test('is refused with ISSUER_INVALID before its exp (iss is "joe")', async () => {
        mock.timers.enable({ apis: ['Date'], now: (RFC7515_EXP - 60) * 1000 });
        assert.equal(await codeOf(verifyLogtoToken(example.jws, options())), 'ISSUER_INVALID');
      });

      test('is refused with AUDIENCE_INVALID before its exp when "joe" is the issuer (it has no aud)', async () => {
        mock.timers.enable({ apis: ['Date'], now: (RFC7515_EXP - 60) * 1000 });
        assert.equal(await codeOf(verifyLogtoToken(example.jws, options({ issuer: 'joe' }))), 'AUDIENCE_INVALID');
      });
    });
  }

  test('prints the tally', () => {
    console.log(tally.line('rfc/*.json (signature layer: originals valid, bit-flipped invalid)'));
    assert.deepEqual({ ...tally.counts }, { validAccepted: 7, validRejected: 0, invalidRejected: 7, invalidAccepted: 0, acceptableAccepted: 0, acceptableRejected: 0 });
  });
});
