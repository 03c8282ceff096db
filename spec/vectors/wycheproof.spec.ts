// Wycheproof v1 signature vectors (fixtures/vectors/wycheproof/*.json) at the
// signature level, through the library's own path: parsePublicJwk →
// keyFitsAlgorithm → importPublicKey → verifySignature, each file under the JWS
// alg it corresponds to (table in fixtures/vectors/README.md).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { importPublicKey, keyFitsAlgorithm, parsePublicJwk, type Algorithm, type PublicJwk } from '../../lib/jose/jwk.ts';
import { verifySignature, type ParsedJws } from '../../lib/jose/jws.ts';
import { ecJwkFromPoint, hexToBytes, readVectors, rsaJwkFromHex, Tally, verdictOf, type Verdict } from '../helpers/vectors.ts';

interface TestCase {
  tcId: number;
  comment: string;
  flags: string[];
  msg: string;
  sig: string;
  result: 'valid' | 'invalid' | 'acceptable';
}

interface TestGroup {
  publicKeyJwk?: JsonWebKey;
  keyJwk?: JsonWebKey;
  publicKey: { curve?: string; wx?: string; wy?: string; modulus?: string; publicExponent?: string };
  sha?: string;
  mgfSha?: string;
  sLen?: number;
  tests: TestCase[];
}

/** File → the JWS alg its signatures are for; rsa_pss_misc is decided per group. */
const FILES: Readonly<Record<string, Algorithm | 'per-group'>> = {
  ecdsa_secp256r1_sha256_p1363_test: 'ES256',
  ecdsa_secp384r1_sha384_p1363_test: 'ES384',
  ecdsa_secp521r1_sha512_p1363_test: 'ES512',
  ed25519_test: 'EdDSA',
  rsa_signature_2048_sha256_test: 'RS256',
  rsa_signature_3072_sha256_test: 'RS256',
  rsa_signature_4096_sha256_test: 'RS256',
  rsa_signature_2048_sha384_test: 'RS384',
  rsa_signature_3072_sha384_test: 'RS384',
  rsa_signature_4096_sha384_test: 'RS384',
  rsa_signature_2048_sha512_test: 'RS512',
  rsa_signature_3072_sha512_test: 'RS512',
  rsa_signature_4096_sha512_test: 'RS512',
  rsa_pss_2048_sha256_mgf1_32_test: 'PS256',
  rsa_pss_3072_sha256_mgf1_32_test: 'PS256',
  rsa_pss_4096_sha256_mgf1_32_test: 'PS256',
  rsa_pss_2048_sha384_mgf1_48_test: 'PS384',
  rsa_pss_4096_sha384_mgf1_48_test: 'PS384',
  rsa_pss_4096_sha512_mgf1_64_test: 'PS512',
  rsa_pss_misc_test: 'per-group',
};

// RFC 7518 §3.5: a PS alg is RSASSA-PSS with MGF1 over the same hash and a salt as long as the hash
const PS_ALGS: Readonly<Record<string, { alg: Algorithm; sLen: number }>> = {
  'SHA-256': { alg: 'PS256', sLen: 32 },
  'SHA-384': { alg: 'PS384', sLen: 48 },
  'SHA-512': { alg: 'PS512', sLen: 64 },
};
const ALL_PS: readonly Algorithm[] = ['PS256', 'PS384', 'PS512'];

/** The JWS alg whose parameters are exactly the group's, if there is one. */
function exactPsAlg(group: TestGroup): Algorithm | undefined {
  const ps = group.sha === undefined ? undefined : PS_ALGS[group.sha];
  return ps && group.mgfSha === group.sha && group.sLen === ps.sLen ? ps.alg : undefined;
}

/** The group's public key as a JWK: the one it provides, else built from its hex fields. */
function groupJwk(group: TestGroup): JsonWebKey {
  if (group.publicKeyJwk) return group.publicKeyJwk;
  if (group.keyJwk) return group.keyJwk;
  const { curve, wx, wy, modulus, publicExponent } = group.publicKey;
  if (curve && wx && wy) return ecJwkFromPoint({ curve, wx, wy });
  return rsaJwkFromHex({ modulus: modulus!, publicExponent: publicExponent! });
}

/** The group's key through the library, imported at most once per alg. */
class GroupKey {
  readonly parsed: PublicJwk | undefined;
  private readonly imports = new Map<Algorithm, Promise<CryptoKey | undefined>>();

  constructor(readonly jwk: JsonWebKey) {
    this.parsed = parsePublicJwk(jwk);
  }

  import(alg: Algorithm): Promise<CryptoKey | undefined> {
    let imported = this.imports.get(alg);
    if (!imported) {
      const parsed = this.parsed;
      imported = parsed && keyFitsAlgorithm(parsed, alg) ? importPublicKey(parsed, alg).catch(() => undefined) : Promise.resolve(undefined);
      this.imports.set(alg, imported);
    }
    return imported;
  }

  /** `verified`, `key-refused` (parsePublicJwk, keyFitsAlgorithm or the import said no), or the verifySignature code. */
  async verdict(alg: Algorithm, tc: TestCase): Promise<Verdict> {
    const key = await this.import(alg);
    if (!key || !this.parsed) return 'key-refused';
    // ParsedJws-shaped: the signing input is Wycheproof's msg, the signature its sig
    const jws: ParsedJws = { header: { alg }, payload: {}, signingInput: hexToBytes(tc.msg), signature: hexToBytes(tc.sig) };
    return verdictOf(() => verifySignature(jws, alg, key, this.parsed!.signatureLength));
  }
}

function label(tc: TestCase): string {
  return (tc.comment || tc.flags.join(', ') || 'no comment').slice(0, 90);
}

for (const [name, fileAlg] of Object.entries(FILES)) {
  const file = readVectors<{ numberOfTests: number; testGroups: TestGroup[] }>(`wycheproof/${name}.json`);
  const short = name.replace(/_test$/, '');

  describe(`wycheproof ${short}`, () => {
    const tally = new Tally();
    after(() => console.log(tally.line(`wycheproof/${name}.json`)));

    test(`has all ${file.numberOfTests} cases of the file`, () => {
      assert.equal(file.testGroups.reduce((count, group) => count + group.tests.length, 0), file.numberOfTests);
    });

    for (const group of file.testGroups) {
      const key = new GroupKey(groupJwk(group));

      if (fileAlg === 'per-group') {
        const alg = exactPsAlg(group);
        const params = `sha ${group.sha}, MGF1 ${group.mgfSha}, sLen ${group.sLen}`;
        for (const tc of group.tests) {
          if (alg) {
            // exactly a JWS alg: Wycheproof's result stands
            const expectVerified = tc.result === 'valid';
            test(`wycheproof ${short} tcId ${tc.tcId} (${tc.result}): ${params} is ${alg} — ${expectVerified ? 'verifies' : 'is rejected'}`, async () => {
              assert.ok(key.parsed, 'the library refuses the key');
              const verdict = await key.verdict(alg, tc);
              tally.add(tc.result, verdict === 'verified');
              assert.equal(verdict === 'verified', expectVerified, `verdict ${verdict}`);
            });
          } else {
            // RFC 7518 §3.5: not a JWS alg, so no PS alg may accept it, whatever Wycheproof says of its own parameters
            test(`wycheproof ${short} tcId ${tc.tcId} (${tc.result}): ${params} is no JWS alg — is rejected under PS256, PS384 and PS512`, async () => {
              assert.ok(key.parsed, 'the library refuses the key');
              const verdicts = await Promise.all(ALL_PS.map((ps) => key.verdict(ps, tc)));
              const verified = verdicts.includes('verified');
              tally.add(tc.result, verified);
              if (!verified && tc.result === 'valid') tally.note('valid under their own parameters, rejected as no JWS alg');
              assert.deepEqual(verdicts, ['SIGNATURE_INVALID', 'SIGNATURE_INVALID', 'SIGNATURE_INVALID']);
            });
          }
        }
        continue;
      }

      const alg = fileAlg;
      for (const tc of group.tests) {
        // Decision against the file's label: MissingNull (acceptable): RFC 8017
        // §9.2 note 1 allows a DigestInfo without the NULL parameters, but a strict
        // verifier accepts only the one encoding with NULL that §9.2 produces;
        // Node (OpenSSL) rejects it, and so do we. SmallPublicKey (e = 3) cases
        // follow their label: RFC 8017 §3.1 allows e = 3.
        const expected: 'verified' | 'rejected' = tc.result === 'valid' ? 'verified' : 'rejected';
        test(`wycheproof ${short} tcId ${tc.tcId} (${tc.result}): ${label(tc)} — ${expected === 'verified' ? 'verifies' : 'is rejected'}`, async () => {
          assert.ok(key.parsed, 'the library refuses the key');
          assert.ok(keyFitsAlgorithm(key.parsed, alg), `the key does not fit ${alg}`);
          const verdict = await key.verdict(alg, tc);
          tally.add(tc.result, verdict === 'verified');
          if (expected === 'verified') assert.equal(verdict, 'verified');
          // an invalid signature is SIGNATURE_INVALID; the key itself is fine here
          else assert.equal(verdict, 'SIGNATURE_INVALID');
        });
      }
    }
  });
}
