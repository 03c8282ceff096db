// fixtures/vectors/generated/jwt_verifier_vectors.json (194 cases) through the
// real verifyLogtoToken, with the vectors' policy (config) and clock, and each
// JWKS variant served by an injected fetch at its own jwksUri.
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import { decodeBase64url, decodeUtf8 } from '../../lib/jose/base64url.ts';
import { AUTH_ERROR_STATUS, isAuthError, type AuthErrorCode } from '../../lib/errors.ts';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import type { VerifyAuthOptions } from '../../lib/options.ts';
import { verifyAuth, verifyLogtoToken } from '../../lib/verify.ts';
import { jwksFetch, readVectors, Tally } from '../helpers/vectors.ts';

interface Vector {
  tcId: number;
  id: string;
  category: string;
  description: string;
  jwks: string;
  requiredScopes: string[];
  token?: string;
  tokenConstruction?: { repeat?: string; count?: number; header?: string; payloadRepeat?: string; payloadCount?: number; signature?: string };
  expected: 'valid' | 'invalid' | 'acceptable';
}

const file = readVectors<{ config: { issuer: string; audience: string; now: number; algorithms: string[] }; jwks: Record<string, unknown>; tests: Vector[] }>('generated/jwt_verifier_vectors.json');
const LOGTO_URL = 'https://tenant.example.test';
const AUDIENCE = 'https://api.example.test';

// The code each invalid vector must get: the category's, unless listed below.
const CATEGORY_CODE: Readonly<Record<string, AuthErrorCode>> = {
  alg: 'ALGORITHM_NOT_ALLOWED',
  'alg-confusion': 'ALGORITHM_NOT_ALLOWED',
  'alg-key-binding': 'ALGORITHM_NOT_ALLOWED',
  'signature-format': 'SIGNATURE_INVALID',
  base64url: 'TOKEN_MALFORMED',
  structure: 'TOKEN_MALFORMED',
  dos: 'TOKEN_MALFORMED',
  json: 'TOKEN_MALFORMED',
  crit: 'TOKEN_MALFORMED',
  kid: 'KEY_NOT_FOUND',
  'embedded-key': 'SIGNATURE_INVALID',
  time: 'TOKEN_EXPIRED',
  aud: 'AUDIENCE_INVALID',
  iss: 'ISSUER_INVALID',
  scope: 'SCOPE_MISSING',
  jwks: 'KEY_NOT_FOUND',
};

const CODE_OVERRIDES: Readonly<Record<string, AuthErrorCode>> = {
  // not three parts: the structure fails before alg is read
  alg_none_no_third_part: 'TOKEN_MALFORMED',
  // RFC 7515 §4.1.1: "alg" is a required string, so a header without one is not a JWS header
  alg_missing: 'TOKEN_MALFORMED',
  alg_null: 'TOKEN_MALFORMED',
  alg_array: 'TOKEN_MALFORMED',
  alg_object: 'TOKEN_MALFORMED',
  alg_number: 'TOKEN_MALFORMED',
  header_proto_alg: 'TOKEN_MALFORMED',
  // the key fits the header alg; the bytes were made with the other RSA padding
  rs256_header_pss_signature: 'SIGNATURE_INVALID',
  ps256_header_pkcs1_signature: 'SIGNATURE_INVALID',
  // these headers have no "typ": an access token must say at+jwt (RFC 9068 §4),
  // which is checked before alg (alg "none", or "none" as the last duplicate)
  alg_none_with_original_sig: 'TOKEN_TYPE_INVALID',
  header_dup_alg_es384_then_none: 'TOKEN_TYPE_INVALID',
  payload_dup_exp_last_past: 'TOKEN_EXPIRED',
  // an 8192-character kid makes the token longer than MAX_TOKEN_LENGTH
  kid_long: 'TOKEN_MALFORMED',
  kid_number: 'TOKEN_MALFORMED',
  kid_object: 'TOKEN_MALFORMED',
  kid_array: 'TOKEN_MALFORMED',
  kid_null: 'TOKEN_MALFORMED',
  // kid "attacker" names no key of the configured JWKS; jku is never fetched
  jku_attacker: 'KEY_NOT_FOUND',
  exp_string: 'TOKEN_MALFORMED',
  exp_string_iso: 'TOKEN_MALFORMED',
  exp_null: 'TOKEN_MALFORMED',
  exp_bool: 'TOKEN_MALFORMED',
  exp_array: 'TOKEN_MALFORMED',
  exp_object: 'TOKEN_MALFORMED',
  exp_missing: 'TOKEN_MALFORMED', // RFC 9068 §2.2: exp is required
  exp_infinity_literal: 'TOKEN_MALFORMED', // 1e400 parses to Infinity, not a NumericDate
  nbf_future: 'TOKEN_NOT_YET_VALID',
  nbf_string: 'TOKEN_MALFORMED',
  iat_string: 'TOKEN_MALFORMED',
  aud_array_nonstring: 'TOKEN_MALFORMED',
  aud_object: 'TOKEN_MALFORMED',
  iss_array: 'TOKEN_MALFORMED',
  // HS256 is never on the allow-list, so the oct key is never reached
  jwks_oct_key_hs256: 'ALGORITHM_NOT_ALLOWED',
  // the JWK's own alg (RS256) binds it: it may not verify PS256 (RFC 7517 §4.4)
  jwks_alg_bound_rs256_token_ps256: 'ALGORITHM_NOT_ALLOWED',
  // "keys" is not an array: the document is not a JWKS, so nothing usable is cached
  jwks_keys_not_array: 'JWKS_UNAVAILABLE',
};

// Our decision for each `acceptable` vector, and why.
const ACCEPTABLE: Readonly<Record<string, 'verified' | AuthErrorCode>> = {
  // duplicate members: last wins, as JSON.parse does; the header is ES384, never "none"
  header_dup_alg_none_then_es384: 'verified',
  // its header has no "typ", so it is no access token (RFC 9068 §4), whichever kid counts
  header_dup_kid: 'TOKEN_TYPE_INVALID',
  payload_dup_exp_last_future: 'verified',
  payload_dup_sub: 'verified', // sub is "user_123", the last one, checked below
  // contract: a token without kid is checked with the one key that fits its alg
  kid_missing_unique_candidate: 'verified',
  // jku, x5u and jwk in the header are ignored and never fetched (checked below)
  jku_present_real_signature: 'verified',
  // RFC 7797 §3: b64 changes what was signed; we only verify the plain form, crit or not
  b64_false_without_crit: 'TOKEN_MALFORMED',
  // RFC 7519 §4.1.4 sets no upper bound on exp
  exp_huge_1e20: 'verified',
  // iat is informational (RFC 7519 §4.1.6); only its type is checked
  iat_future: 'verified',
  // contract and RFC 9068 §2.2.3: scope is one space-separated string
  scope_array: 'TOKEN_MALFORMED',
  // RFC 6749 §3.3: extra spaces delimit empty names, which are ignored
  scope_extra_spaces: 'verified',
  // two keys share the kid: ambiguous, we refuse to guess
  jwks_duplicate_kid: 'KEY_NOT_FOUND',
  // RFC 8017 §3.1 allows e = 3 and WebCrypto's PKCS#1 check is strict, so the genuine signature verifies
  jwks_rsa_exponent_3: 'verified',
  // the token's kid must name a key; a JWK without kid is not that key
  jwks_key_without_kid_token_with_kid: 'KEY_NOT_FOUND',
};

function expectedOutcome(vector: Vector): 'verified' | AuthErrorCode {
  if (vector.expected === 'valid') return 'verified';
  if (vector.expected === 'acceptable') {
    const decided = ACCEPTABLE[vector.id];
    assert.ok(decided, `no decision recorded for acceptable vector ${vector.id}`);
    return decided;
  }
  const code = CODE_OVERRIDES[vector.id] ?? CATEGORY_CODE[vector.category];
  assert.ok(code, `no expected code for category ${vector.category}`);
  return code;
}

function tokenOf(vector: Vector): string {
  if (vector.token !== undefined) return vector.token;
  const c = vector.tokenConstruction!;
  if (c.repeat !== undefined) return c.repeat.repeat(c.count!);
  return `${c.header}.${c.payloadRepeat!.repeat(c.payloadCount!)}.${c.signature}`;
}

function decodedPayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1]!;
  return JSON.parse(decodeUtf8(decodeBase64url(part)!)!) as Record<string, unknown>;
}

const jwks = jwksFetch();
const jwksUriOf = (variant: string) => `${LOGTO_URL}/jwks/${variant}`;
for (const [variant, document] of Object.entries(file.jwks)) jwks.serve(jwksUriOf(variant), document);
const configuredUris = new Set(Object.keys(file.jwks).map(jwksUriOf));

// one options object per (variant, scopes): the library resolves each object once
const optionsCache = new Map<string, VerifyAuthOptions>();
function optionsFor(vector: Vector): VerifyAuthOptions {
  const key = `${vector.jwks}|${vector.requiredScopes.join(' ')}`;
  let options = optionsCache.get(key);
  if (!options) {
    options = { logtoUrl: LOGTO_URL, audience: AUDIENCE, fetch: jwks.fetch, jwksUri: jwksUriOf(vector.jwks) };
    // an empty requiredScope list is a TypeError (bad option), so "no scope" is left out
    if (vector.requiredScopes.length > 0) options.requiredScope = vector.requiredScopes;
    optionsCache.set(key, options);
  }
  return options;
}

describe('generated jwt_verifier_vectors.json through verifyLogtoToken', () => {
  const tally = new Tally();

  before(() => {
    clearJwksCache();
    mock.timers.enable({ apis: ['Date'], now: file.config.now * 1000 });
  });
  after(() => {
    mock.timers.reset();
    console.log(tally.line('generated/jwt_verifier_vectors.json'));
  });

  test('the vectors assume the configuration these specs use', () => {
    assert.equal(file.tests.length, 194);
    assert.equal(file.config.issuer, `${LOGTO_URL}/oidc`);
    assert.equal(file.config.audience, AUDIENCE);
    assert.deepEqual(file.config.algorithms, ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);
  });

  for (const vector of file.tests) {
    const expected = expectedOutcome(vector);
    const verb = expected === 'verified' ? 'verifies' : `is rejected with ${expected}`;
    test(`generated tcId ${vector.tcId} ${vector.id} (${vector.expected}): ${vector.description.slice(0, 100)} — ${verb}`, async () => {
      const token = tokenOf(vector);
      const fetchesBefore = jwks.requested.length;
      let outcome: 'verified' | AuthErrorCode;
      try {
        const auth = await verifyLogtoToken(token, optionsFor(vector));
        outcome = 'verified';
        assert.equal(auth.isAuthenticated, true);
        assert.deepEqual(auth.payload, decodedPayload(token));
        assert.equal(auth.userId, auth.payload!.sub);
        if (vector.id === 'valid_proto_claim_no_pollution') {
          const claims = auth.payload as Record<string, unknown>;
          assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
          assert.equal(({} as Record<string, unknown>).polluted, undefined);
          assert.equal(Object.hasOwn(claims, 'isAdmin'), false);
          assert.equal(claims.isAdmin, undefined);
          assert.equal(Object.getPrototypeOf(claims), Object.prototype);
        }
        if (vector.id === 'payload_dup_sub') assert.equal(auth.userId, 'user_123');
      } catch (error) {
        if (!isAuthError(error)) throw error;
        outcome = error.code;
        assert.equal(error.status, AUTH_ERROR_STATUS[error.code]);
        assert.equal(error.status, error.code === 'SCOPE_MISSING' ? 403 : error.code === 'JWKS_UNAVAILABLE' ? 503 : 401);
        // contract: messages never contain the token or its signature (a few
        // characters such as " " or ".." occur in any sentence, so those are not checked)
        const signature = token.slice(token.lastIndexOf('.') + 1);
        if (token.trim().length >= 8) assert.ok(!error.message.includes(token), 'the message contains the token');
        if (signature.length >= 8) {
          assert.ok(!error.message.includes(signature), 'the message contains the signature');
          assert.ok(!JSON.stringify(error.detail ?? {}).includes(signature), 'the detail contains the signature');
        }
      }
      tally.add(vector.expected, outcome === 'verified');
      assert.equal(outcome, expected);
      if (vector.category === 'dos') {
        // as the vector describes it: the value of an Authorization header, capped before any split
        await assert.rejects(verifyAuth({ headers: { authorization: `Bearer ${token}` } }, optionsFor(vector)), { name: 'AuthError', code: 'TOKEN_MALFORMED', status: 401 });
      }
      // nothing from the token's header is fetched (jku, x5u, kid URLs): only configured JWKS URLs
      for (const url of jwks.requested.slice(fetchesBefore)) assert.ok(configuredUris.has(url), `fetched an unconfigured URL for ${vector.id}`);
    });
  }

  test('requests no URL but the configured JWKS URLs over the whole table', () => {
    assert.ok(jwks.requested.length > 0);
    assert.deepEqual(jwks.requested.filter((url) => !configuredUris.has(url)), []);
  });
});
