import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ALGORITHMS, importPublicKey, keyFitsAlgorithm, parsePublicJwk, type Algorithm } from '../../lib/jose/jwk.ts';
import { ALL_ALGORITHMS, makeKey } from '../helpers/keys.ts';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

describe('parsePublicJwk', () => {
  for (const alg of ALL_ALGORITHMS) {
    test(`keeps only the public members of a ${alg} key and imports it`, async () => {
      const key = await makeKey(alg);
      const parsed = parsePublicJwk(key.publicJwk);
      assert.ok(parsed);
      assert.equal(parsed.kid, key.kid);
      assert.deepEqual(Object.keys(parsed.material).sort(), alg.startsWith('E') ? (alg === 'EdDSA' ? ['crv', 'kty', 'x'] : ['crv', 'kty', 'x', 'y']) : ['e', 'kty', 'n']);
      assert.ok(keyFitsAlgorithm(parsed, alg));
      const cryptoKey = await importPublicKey(parsed, alg);
      assert.equal(cryptoKey.type, 'public');
      assert.deepEqual(cryptoKey.usages, ['verify']);
    });
  }

  test('binds each algorithm to one key type and curve', async () => {
    const p256 = parsePublicJwk((await makeKey('ES256')).publicJwk)!;
    const p384 = parsePublicJwk((await makeKey('ES384')).publicJwk)!;
    const rsa = parsePublicJwk((await makeKey('RS256')).publicJwk)!;
    const ed = parsePublicJwk((await makeKey('EdDSA')).publicJwk)!;
    const fits = (key: typeof rsa) => (Object.keys(ALGORITHMS) as Algorithm[]).filter((alg) => keyFitsAlgorithm(key, alg));
    assert.deepEqual(fits(p256), ['ES256']);
    assert.deepEqual(fits(p384), ['ES384']);
    assert.deepEqual(fits(rsa), ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);
    assert.deepEqual(fits(ed), ['EdDSA']);
  });

  test('honours the JWK alg: an RS256 key never verifies PS256', async () => {
    const key = parsePublicJwk({ ...(await makeKey('RS256')).publicJwk, alg: 'RS256' })!;
    assert.equal(keyFitsAlgorithm(key, 'RS256'), true);
    assert.equal(keyFitsAlgorithm(key, 'PS256'), false);
  });

  test('refuses private, symmetric, encryption and malformed keys', async () => {
    const ec = (await makeKey('ES384')).publicJwk as Record<string, unknown>;
    const rsa = (await makeKey('RS256')).publicJwk as Record<string, unknown>;
    const x = Buffer.from(ec.x as string, 'base64url');
    const refused: Record<string, unknown> = {
      'a key with d': { ...ec, d: 'AAAA' },
      'an RSA key with p': { ...rsa, p: 'AAAA' },
      'an oct key': { kty: 'oct', k: 'c2VjcmV0' },
      'use enc': { ...ec, use: 'enc' },
      'key_ops without verify': { ...ec, key_ops: ['encrypt'] },
      'an alg we do not verify with': { ...ec, alg: 'ECDH-ES' },
      'an alg of another curve': { ...ec, alg: 'ES256' },
      'an RSA alg on an EC key': { ...ec, alg: 'RS256' },
      'a coordinate with a leading zero byte (RFC 7518 §6.2.1.2)': { ...ec, x: b64(new Uint8Array([0, ...x])) },
      'a crv that does not fit the coordinates': { ...ec, crv: 'P-256' },
      'a non-string kid': { ...ec, kid: 7 },
      'a 1024-bit RSA key': { kty: 'RSA', n: b64(new Uint8Array(128).fill(0xff)), e: 'AQAB' },
      'RSA e = 1': { ...rsa, e: 'AQ' },
      'an even RSA exponent': { ...rsa, e: 'AQAC' },
      'an Ed448 key': { kty: 'OKP', crv: 'Ed448', x: b64(new Uint8Array(57)) },
      'an X25519 key': { kty: 'OKP', crv: 'X25519', x: b64(new Uint8Array(32)) },
      'non-base64url members': { ...ec, x: (ec.x as string) + '=' },
      'no kty': { x: ec.x },
      'an array': [ec],
      'null': null,
    };
    for (const [what, jwk] of Object.entries(refused)) assert.equal(parsePublicJwk(jwk), undefined, what);
  });

  test('refuses an RSA key with the ROCA fingerprint (CVE-2017-15361) and keeps sound ones', async () => {
    const vectors = JSON.parse(readFileSync('fixtures/vectors/wycheproof/v0/json_web_key_test.json', 'utf8'));
    const group = vectors.testGroups.find((g: { tests: Array<{ tcId: number }> }) => g.tests.some((t) => t.tcId === 7));
    const rocaKeys = (group.public.keys ?? [group.public]) as Array<Record<string, unknown>>;
    assert.ok(rocaKeys.length > 0);
    for (const jwk of rocaKeys) assert.equal(parsePublicJwk(jwk), undefined);
    for (let i = 0; i < 3; i++) assert.ok(parsePublicJwk((await makeKey('RS256', `sound-${i}`, { fresh: true })).publicJwk));
  });

  test('accepts an RSA key with e = 3 (RFC 8017 §3.1), which a strict PKCS#1 check keeps safe', async () => {
    const rsa = (await makeKey('RS256')).publicJwk as Record<string, unknown>;
    assert.ok(parsePublicJwk({ ...rsa, e: 'Aw' }));
  });

  test('accepts key_ops with verify and use sig', async () => {
    const ec = (await makeKey('ES384')).publicJwk;
    assert.ok(parsePublicJwk({ ...ec, use: 'sig', key_ops: ['verify'] }));
  });

  test('lets WebCrypto refuse a point that is not on the curve', async () => {
    const ec = (await makeKey('ES384')).publicJwk as Record<string, string>;
    const y = Buffer.from(ec.y!, 'base64url');
    y[y.length - 1]! ^= 1;
    const parsed = parsePublicJwk({ ...ec, y: b64(y) })!;
    await assert.rejects(importPublicKey(parsed, 'ES384'));
  });
});

describe('parsePublicJwk and key_ops (RFC 7517 §4.3)', () => {
  const vectors: { description: string; keyOps: unknown; usable: boolean }[] = [
    { description: 'absent', keyOps: undefined, usable: true },
    { description: '["verify"]', keyOps: ['verify'], usable: true },
    { description: '["sign", "verify"]', keyOps: ['sign', 'verify'], usable: true },
    { description: '["verify", "verify"] (a duplicate)', keyOps: ['verify', 'verify'], usable: false },
    { description: '[null, "verify"] (a non-string)', keyOps: [null, 'verify'], usable: false },
    { description: '[1, "verify"] (a number)', keyOps: [1, 'verify'], usable: false },
    { description: '[["verify"]] (nested)', keyOps: [['verify']], usable: false },
    { description: '["sign"] (no verify)', keyOps: ['sign'], usable: false },
    { description: '[] (nothing allowed)', keyOps: [], usable: false },
    { description: '"verify" (a string, not an array)', keyOps: 'verify', usable: false },
    { description: '{ 0: "verify" } (an object)', keyOps: { 0: 'verify' }, usable: false },
    { description: 'null', keyOps: null, usable: false },
    { description: '["Verify"] (case matters)', keyOps: ['Verify'], usable: false },
  ];
  for (const { description, keyOps, usable } of vectors) {
    test(`${usable ? 'keeps' : 'drops'} a key whose key_ops is ${description}`, async () => {
      const ec = (await makeKey('ES384')).publicJwk;
      const jwk = keyOps === undefined ? { ...ec } : { ...ec, key_ops: keyOps };
      assert.equal(parsePublicJwk(jwk) !== undefined, usable);
    });
  }
});
