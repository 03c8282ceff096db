import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { importPublicKey, parsePublicJwk } from '../../lib/jose/jwk.ts';
import { AuthError } from '../../lib/errors.ts';
import { MAX_TOKEN_LENGTH, parseCompact, verifySignature } from '../../lib/jose/jws.ts';
import { ALL_ALGORITHMS, makeKey, mint } from '../helpers/keys.ts';
import { retainedHeap } from '../helpers/retained-heap.ts';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const payload = b64({ exp: 1 });
const codeOf = (token: unknown, typ?: 'at+jwt' | 'logout+jwt') => {
  try {
    parseCompact(token, typ);
    return undefined;
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('parseCompact', () => {
  test('splits a token into header, payload, signing input and signature', () => {
    const token = `${b64({ alg: 'ES384', kid: 'k', typ: 'at+jwt' })}.${payload}.AAAA`;
    const jws = parseCompact(token);
    assert.deepEqual(jws.header, { alg: 'ES384', kid: 'k', typ: 'at+jwt' });
    assert.deepEqual(jws.payload, { exp: 1 });
    assert.equal(new TextDecoder().decode(jws.signingInput), token.slice(0, token.lastIndexOf('.')));
    assert.deepEqual(jws.signature, new Uint8Array([0, 0, 0]));
  });

  const malformed: Record<string, unknown> = {
    'a non-string': 42,
    'an empty string': '',
    'two parts': `${b64({ alg: 'ES384', typ: 'at+jwt' })}.${payload}`,
    'four parts': `${b64({ alg: 'ES384', typ: 'at+jwt' })}.${payload}.AAAA.`,
    'five parts (JWE)': 'a.b.c.d.e',
    'padding in the header': `${b64({ alg: 'ES384', typ: 'at+jwt' })}=.${payload}.AAAA`,
    'a header that is an array': `${b64([])}.${payload}.AAAA`,
    'a header that is null': `${b64('null')}.${payload}.AAAA`,
    'a header that is not JSON': `${b64('alg=ES384')}.${payload}.AAAA`,
    'a header with trailing garbage': `${b64('{"alg":"ES384","typ":"at+jwt"}x')}.${payload}.AAAA`,
    'a header that is not UTF-8': `${Buffer.from([0x7b, 0x22, 0x61, 0xff, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url')}.${payload}.AAAA`,
    'a payload that is a number': `${b64({ alg: 'ES384', typ: 'at+jwt' })}.${b64('1')}.AAAA`,
    'an empty payload': `${b64({ alg: 'ES384', typ: 'at+jwt' })}..AAAA`,
    'a signature in the standard alphabet': `${b64({ alg: 'ES384', typ: 'at+jwt' })}.${payload}.a+/A`,
    'no alg': `${b64({ typ: 'at+jwt' })}.${payload}.AAAA`,
    'an alg that is not a string': `${b64({ alg: ['ES384'], typ: 'at+jwt' })}.${payload}.AAAA`,
    'a kid that is not a string': `${b64({ alg: 'ES384', typ: 'at+jwt', kid: 384 })}.${payload}.AAAA`,
    'crit (RFC 7515 §4.1.11)': `${b64({ alg: 'ES384', typ: 'at+jwt', crit: ['exp'], exp: 1 })}.${payload}.AAAA`,
    'an empty crit': `${b64({ alg: 'ES384', typ: 'at+jwt', crit: [] })}.${payload}.AAAA`,
    'b64 false (RFC 7797)': `${b64({ alg: 'ES384', typ: 'at+jwt', b64: false })}.${payload}.AAAA`,
    'a leading space': ` ${b64({ alg: 'ES384', typ: 'at+jwt' })}.${payload}.AAAA`,
    'a token one character over the cap': `${b64({ alg: 'ES384', typ: 'at+jwt' })}.${'A'.repeat(MAX_TOKEN_LENGTH)}.AAAA`,
    'a million dots': '.'.repeat(1_000_000),
  };
  for (const [what, token] of Object.entries(malformed)) {
    test(`answers TOKEN_MALFORMED for ${what}`, () => assert.equal(codeOf(token), 'TOKEN_MALFORMED'));
  }

  test('accepts typ at+jwt and application/at+jwt in any case', () => {
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/At+JWT']) {
      assert.equal(codeOf(`${b64({ alg: 'ES384', typ })}.${payload}.AAAA`), undefined, String(typ));
    }
  });

  test('answers TOKEN_TYPE_INVALID for an ID token or another typ', () => {
    for (const typ of ['JWT', 'jwt', 'id_token+jwt', 'dpop+jwt', 'logout+jwt', '', 7, null]) {
      assert.equal(codeOf(`${b64({ alg: 'ES384', typ })}.${payload}.AAAA`), 'TOKEN_TYPE_INVALID', String(typ));
    }
  });

  // Logto's ID tokens carry no typ (fixtures/logto-1.42/04-user-tokens.json); RFC 9068 §4
  test('answers TOKEN_TYPE_INVALID for a header without typ, before the payload is read', () => {
    assert.equal(codeOf(`${b64({ alg: 'ES384' })}.${payload}.AAAA`), 'TOKEN_TYPE_INVALID');
    assert.equal(codeOf(`${b64({ alg: 'ES384', kid: 'k' })}.${b64('1')}.AAAA`), 'TOKEN_TYPE_INVALID');
    let error: unknown;
    try {
      parseCompact(`${b64({ alg: 'ES384' })}.${payload}.AAAA`);
    } catch (caught) {
      error = caught;
    }
    assert.ok(error instanceof AuthError);
    assert.equal(error.status, 401);
    assert.deepEqual(error.detail, { claim: 'typ', expected: 'at+jwt', actual: undefined });
    assert.match(error.message, /no "typ"/);
  });

  test('answers TOKEN_TYPE_INVALID for a header without typ asked as a logout token', () => {
    assert.equal(codeOf(`${b64({ alg: 'ES384' })}.${payload}.AAAA`, 'logout+jwt'), 'TOKEN_TYPE_INVALID');
    assert.throws(() => parseCompact(`${b64({ alg: 'ES384' })}.${payload}.AAAA`, 'logout+jwt'), {
      code: 'TOKEN_TYPE_INVALID',
      message: 'the token header has no "typ" (a logout token says "logout+jwt"): this is not a logout token',
    });
  });

  test('reads a __proto__ member as data, not as a prototype', () => {
    assert.equal(codeOf(`${b64('{"__proto__":{"alg":"ES384"}}')}.${payload}.AAAA`), 'TOKEN_MALFORMED');
  });
});

describe('verifySignature', () => {
  for (const alg of ALL_ALGORITHMS) {
    test(`verifies a ${alg} signature and rejects a flipped bit`, async () => {
      const key = await makeKey(alg);
      const parsedKey = parsePublicJwk(key.publicJwk)!;
      const cryptoKey = await importPublicKey(parsedKey, alg);
      const jws = parseCompact(await mint(key, { iss: 'i', aud: 'a' }));
      await verifySignature(jws, alg, cryptoKey, parsedKey.signatureLength);
      jws.signature[5]! ^= 1;
      await assert.rejects(verifySignature(jws, alg, cryptoKey, parsedKey.signatureLength), { code: 'SIGNATURE_INVALID', status: 401 });
    });
  }

  test('refuses a signature of the wrong length before WebCrypto sees it', async () => {
    const key = await makeKey('ES384');
    const parsedKey = parsePublicJwk(key.publicJwk)!;
    const cryptoKey = await importPublicKey(parsedKey, 'ES384');
    const jws = parseCompact(await mint(key, { iss: 'i', aud: 'a' }));
    const longer = { ...jws, signature: new Uint8Array([...jws.signature, 0]) };
    const prefixed = { ...jws, signature: new Uint8Array([0, ...jws.signature]) };
    await assert.rejects(verifySignature(longer, 'ES384', cryptoKey, parsedKey.signatureLength), { code: 'SIGNATURE_INVALID' });
    await assert.rejects(verifySignature(prefixed, 'ES384', cryptoKey, parsedKey.signatureLength), { code: 'SIGNATURE_INVALID' });
  });

  test('checks PS256 with a salt as long as the hash, so a PKCS#1 v1.5 signature fails', async () => {
    const key = await makeKey('RS256');
    const parsedKey = parsePublicJwk(key.publicJwk)!;
    const jws = parseCompact(await mint(key, { iss: 'i', aud: 'a' }));
    await assert.rejects(verifySignature(jws, 'PS256', await importPublicKey(parsedKey, 'PS256'), parsedKey.signatureLength), { code: 'SIGNATURE_INVALID' });
  });
});

describe('the checked-header cache', () => {
  // keyed by each token's header segment: a slice of a Cookie header would keep
  // the whole header alive. 60 distinct headers cut from 200 KB Cookie headers,
  // measured in a child `node --expose-gc` (spec/helpers/retention-probe.ts).
  test('keeps none of the Cookie headers the tokens were cut from', async () => {
    const { retainedBytes, headerBytes } = await retainedHeap('checked-headers');
    assert.ok(retainedBytes < headerBytes / 8, `${retainedBytes} bytes retained after ${headerBytes} bytes of headers`);
  });
});

describe('parseCompact on what is not a JWT', () => {
  test('says the token is not a JWT and that Logto issues opaque tokens when no API resource is requested', () => {
    // the shape of a Logto opaque access token: one random string, no dots
    assert.throws(() => parseCompact('Qm9hcmRpbmdQYXNzX29wYXF1ZV90b2tlbl9leGFtcGxl'), (error: Error & { code?: string; status?: number }) => {
      assert.equal(error.code, 'TOKEN_MALFORMED');
      assert.equal(error.status, 401);
      assert.match(error.message, /not a JWT/);
      assert.match(error.message, /opaque access tokens when no API resource is requested/);
      return true;
    });
  });

  test('reads a logout token only as one, and an access token only as one', async () => {
    const key = await makeKey('ES384');
    const logout = await mint(key, { iss: 'https://t.example/oidc', aud: 'app', header: { typ: 'logout+jwt' } });
    const access = await mint(key, { iss: 'https://t.example/oidc', aud: 'app' });
    assert.throws(() => parseCompact(logout), { code: 'TOKEN_TYPE_INVALID' });
    assert.equal(parseCompact(logout, 'logout+jwt').header.typ, 'logout+jwt');
    assert.throws(() => parseCompact(access, 'logout+jwt'), { code: 'TOKEN_TYPE_INVALID' });
  });
});
