// Property: no change to a valid token makes it verify, and every rejection is
// an AuthError with a pre-signature code (a forged token never reaches a claim
// check). Real tokens for five algorithms, JWKS served by an injected fetch.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { verifyLogtoToken } from '../../lib/verify.ts';
import { ALL_ALGORITHMS, makeKey, mint, type TestKey } from '../helpers/keys.ts';
import { assertAuthError, checkProperty, FORGERY_CODES, runs, tally } from './support.ts';

const LOGTO_URL = 'https://fuzz-tokens.logto.test';
const ISSUER = `${LOGTO_URL}/oidc`;
const AUDIENCE = 'https://api.fuzz.test';
const FUZZ_ALGS = ['ES384', 'ES256', 'RS256', 'PS256', 'EdDSA'] as const;

const keys = await Promise.all(FUZZ_ALGS.map((alg) => makeKey(alg, `fuzz-${alg.toLowerCase()}`)));
const jwks = JSON.stringify({ keys: keys.map((key) => key.publicJwk) });
let jwksFetches = 0;
const options = {
  logtoUrl: LOGTO_URL,
  audience: AUDIENCE,
  requiredScope: 'read:data',
  fetch: async () => {
    jwksFetches++;
    return new Response(jwks, { headers: { 'content-type': 'application/json' } });
  },
};

// two shapes per key: the default Logto shape, and an array aud with a non-ASCII claim and the long typ
const tokens: string[] = [];
for (const key of keys) {
  tokens.push(await mint(key, { iss: ISSUER, aud: AUDIENCE }));
  tokens.push(await mint(key, { iss: ISSUER, aud: [AUDIENCE, 'https://other.test'], claims: { name: 'Zoë 🔑', scope: 'read:data' }, header: { typ: 'application/at+jwt' } }));
}

// RFC 7518 §3.4 has no low-S rule: (r, n - s) is a second valid signature for the same input
const CURVE_ORDERS: Record<string, bigint> = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};
function highSTwin(token: string): string | undefined {
  const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
  const order = CURVE_ORDERS[header.alg];
  if (order === undefined) return undefined;
  const signature = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
  const half = signature.length / 2;
  const s = BigInt(`0x${signature.subarray(half).toString('hex')}`);
  const twin = Buffer.from((order - s).toString(16).padStart(half * 2, '0'), 'hex');
  return `${token.slice(0, token.lastIndexOf('.') + 1)}${Buffer.concat([signature.subarray(0, half), twin]).toString('base64url')}`;
}
const twins = tokens.map(highSTwin).filter((twin): twin is string => twin !== undefined);
// a mutation equal to one of these is a valid token, not a forgery
const VALID = new Set([...tokens, ...twins]);
// messages must not carry any token or signature
const SECRETS = [...VALID].flatMap((token) => [token, token.slice(token.lastIndexOf('.') + 1)]);

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const unb64 = (text: string) => Buffer.from(text, 'base64url');
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const splitToken = (token: string) => token.split('.') as [string, string, string];
const anyToken = fc.constantFrom(...tokens);

interface Mutation {
  kind: string;
  token: string;
}

/** Runs one mutated token and records its code; fails on success or on anything but an allowed AuthError. */
function mutationProperty(arbitrary: fc.Arbitrary<Mutation>, codes: ReturnType<typeof tally>) {
  return fc.asyncProperty(arbitrary, async ({ token }) => {
    fc.pre(!VALID.has(token)); // the identity and the ECDSA high-S twin are valid tokens
    let result: unknown;
    try {
      result = await verifyLogtoToken(token, options);
    } catch (error) {
      codes.add(assertAuthError(error, FORGERY_CODES, SECRETS).code);
      return;
    }
    assert.fail(`a mutated token verified (${typeof result})`);
  });
}

// 1. bit flips in the decoded bytes of any segment, re-encoded canonically
const bitFlips = fc
  .tuple(anyToken, fc.integer({ min: 0, max: 2 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 3 }))
  .map(([token, segment, flips]): Mutation => {
    const parts = splitToken(token);
    const bytes = unb64(parts[segment]!);
    for (const [position, bit] of flips) bytes[position % bytes.length]! ^= 1 << bit;
    parts[segment] = b64(bytes);
    return { kind: 'bit flip', token: parts.join('.') };
  });

// 2. character flips anywhere, to base64url characters and to characters a lenient decoder skips or maps
const REPLACEMENTS = `${B64URL}.=+/ \t\n%\u00ff\u2028\ud800`;
const charFlips = fc
  .tuple(anyToken, fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 3 }))
  .map(([token, flips]): Mutation => {
    const chars = [...token];
    for (const [position, pick] of flips) {
      const at = position % chars.length;
      const choices = REPLACEMENTS.replace(chars[at]!, '');
      chars[at] = choices[pick % choices.length]!;
    }
    return { kind: 'character flip', token: chars.join('') };
  });

// 3. segments swapped between two valid tokens (mask 1..6: at least one from each)
const segmentSwaps = fc.tuple(fc.nat(tokens.length - 1), fc.nat(tokens.length - 2), fc.integer({ min: 1, max: 6 })).map(([i, offset, mask]): Mutation => {
  const [pa, pb] = [splitToken(tokens[i]!), splitToken(tokens[(i + 1 + offset) % tokens.length]!)]; // two different tokens
  return { kind: 'segment swap', token: pa.map((part, i) => (mask & (1 << i) ? pb[i] : part)).join('.') };
});

// 4. re-encodings a lenient decoder would read as the same bytes
const reencodings = fc
  .tuple(anyToken, fc.integer({ min: 0, max: 2 }), fc.nat(), fc.constantFrom('padding', 'standard alphabet', 'whitespace', 'outer whitespace', 'percent-encoding', 'unused tail bits', 'padded standard base64'))
  .map(([token, segment, position, how]): Mutation => {
    const parts = splitToken(token);
    const part = parts[segment]!;
    if (how === 'padding') parts[segment] = part + '='.repeat(((4 - (part.length % 4)) % 4) || 4);
    if (how === 'standard alphabet') return { kind: how, token: token.replace(/-/g, '+').replace(/_/g, '/') };
    if (how === 'whitespace') parts[segment] = part.slice(0, position % part.length) + [' ', '\t', '\n', '\r\n'][position % 4] + part.slice(position % part.length);
    if (how === 'outer whitespace') return { kind: how, token: [` ${token}`, `${token}\n`, `\t${token} `][position % 3]! };
    if (how === 'percent-encoding') {
      const at = position % part.length;
      parts[segment] = `${part.slice(0, at)}%${part.charCodeAt(at).toString(16).toUpperCase()}${part.slice(at + 1)}`;
    }
    if (how === 'unused tail bits') {
      // RFC 4648 §3.5: set the bits the last character carries beyond the data
      const spare = part.length % 4 === 2 ? 0x0f : part.length % 4 === 3 ? 0x03 : 0;
      const last = B64URL.indexOf(part.at(-1)!);
      parts[segment] = part.slice(0, -1) + B64URL[spare === 0 ? last : last | (1 + (position % spare))];
      if (spare === 0) parts[segment] += '=';
    }
    if (how === 'padded standard base64') parts[segment] = unb64(part).toString('base64');
    return { kind: how, token: parts.join('.') };
  });

// 5. header edits that keep payload and signature
type Header = Record<string, unknown>;
const kids = keys.map((key) => key.kid);
const headerEdit: fc.Arbitrary<(header: Header) => Header> = fc.oneof(
  fc.constantFrom(...ALL_ALGORITHMS).map((alg) => (header: Header) => ({ ...header, alg })),
  fc.constantFrom('none', 'None', 'HS256', 'HS384', 'HS512', 'ES256K', 'Ed25519', 'RSA-OAEP', '').map((alg) => (header: Header) => ({ ...header, alg })),
  fc.oneof(fc.constantFrom(...kids), fc.string({ maxLength: 12 })).map((kid) => (header: Header) => ({ ...header, kid })),
  fc.constant(({ kid: _kid, ...rest }: Header) => rest),
  fc.constantFrom('JWT', 'jwt', 'at+JWT', 'AT+JWT', 'application/at+jwt', 'application/jwt', 'at+jwt ', '', 'dpop+jwt').map((typ) => (header: Header) => ({ ...header, typ })),
  fc.constant(({ typ: _typ, ...rest }: Header) => rest),
  fc.constantFrom([], ['exp'], ['b64'], ['kid']).map((crit) => (header: Header) => ({ ...header, crit })),
  fc.constantFrom(false, true, 'false').map((value) => (header: Header) => ({ ...header, b64: value })),
  fc.tuple(fc.constantFrom('jku', 'x5u', 'x5c', 'jwk', 'cty', 'zip', 'x5t', '__proto__', 'alg'), fc.jsonValue({ maxDepth: 2 })).map(([name, value]) => (header: Header) => ({ ...header, [name]: value })),
);
const headerEdits = fc
  .tuple(anyToken, fc.array(headerEdit, { minLength: 1, maxLength: 3 }), fc.constantFrom('compact', 'indented', 'reordered', 'duplicate alg'))
  .map(([token, edits, layout]): Mutation => {
    const parts = splitToken(token);
    const header = edits.reduce((current, edit) => edit(current), JSON.parse(unb64(parts[0]).toString()) as Header);
    let text = JSON.stringify(header);
    if (layout === 'indented') text = JSON.stringify(header, null, 1);
    if (layout === 'reordered') text = JSON.stringify(Object.fromEntries(Object.entries(header).reverse()));
    // JSON.parse keeps the last duplicate: a parser differential would read the first
    if (layout === 'duplicate alg') text = `{"alg":"none",${text.slice(1)}`;
    parts[0] = b64(text);
    return { kind: `header edit (${layout})`, token: parts.join('.') };
  });

// 6. truncations: any proper prefix, or a cut out of the middle
const truncations = fc.tuple(anyToken, fc.nat(), fc.nat(), fc.boolean()).map(([token, a, b, middle]): Mutation => {
  const start = a % token.length;
  if (!middle) return { kind: 'truncation', token: token.slice(0, start) };
  const end = start + 1 + (b % (token.length - start));
  return { kind: 'cut', token: token.slice(0, start) + token.slice(end) };
});

// 7. concatenations of tokens, segments and separators
const concatenations = fc
  .tuple(anyToken, anyToken, fc.constantFrom('', '.', '..', ' ', ',', ';', '\n', '.e30.'), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 12 }))
  .map(([a, b, separator, shape, repeat]): Mutation => {
    const [pa, pb] = [splitToken(a), splitToken(b)];
    if (shape === 0) return { kind: 'concatenation', token: a + separator + b };
    if (shape === 1) return { kind: 'extra segment', token: `${a}.${pb[1]}` };
    if (shape === 2) return { kind: 'JWE-like', token: `${pa[0]}..${pa[1]}.${pa[2]}.${pb[2]}` };
    return { kind: 'repetition', token: Array.from({ length: repeat + 1 }, () => a).join(separator) };
  });

describe('token mutations', () => {
  test('the unmutated tokens verify, so the properties below test something', async () => {
    for (const token of tokens) assert.equal((await verifyLogtoToken(token, options)).userId, 'user_123');
  });

  test('accepts the ECDSA high-S twin of a valid signature (JWS has no low-S rule), so the properties exclude it', async () => {
    assert.equal(twins.length, 4);
    for (const twin of twins) assert.equal((await verifyLogtoToken(twin, options)).isAuthenticated, true);
  });

  const families: [string, fc.Arbitrary<Mutation>][] = [
    ['bit flips in the decoded bytes of any segment', bitFlips],
    ['character flips', charFlips],
    ['segment swaps between two valid tokens', segmentSwaps],
    ['re-encodings (padding, standard alphabet, whitespace, percent, tail bits)', reencodings],
    ['header edits that keep the signature', headerEdits],
    ['truncations and cuts', truncations],
    ['concatenations and repetitions', concatenations],
  ];
  for (const [family, arbitrary] of families) {
    test(`never verifies a token after ${family}, and rejects it with an AuthError before any claim check`, async (t) => {
      const codes = tally();
      await checkProperty(t, mutationProperty(arbitrary, codes), { numRuns: runs(400), redact: true, summary: () => `accepted 0, foreign 0; ${codes}; JWKS fetches so far ${jwksFetches}` });
    });
  }

  test('never verifies a token signed by another key, whatever key it embeds or points to (jwk, jku, x5u, x5c), nor an HS* or none token keyed with the public key', async (t) => {
    const attackerKeys = await Promise.all(keys.map((key) => makeKey(key.alg, key.kid, { fresh: true })));
    const codes = tally();
    const forgeries = fc.tuple(fc.nat(keys.length - 1), fc.constantFrom('jwk', 'jku', 'x5u', 'x5c', 'none', 'HS256', 'HS384', 'HS512'), fc.string({ maxLength: 16 }));
    const property = fc.asyncProperty(forgeries, async ([index, how, sub]) => {
      const token = await forge(keys[index]!, attackerKeys[index]!, how, sub);
      try {
        await verifyLogtoToken(token, options);
      } catch (error) {
        codes.add(assertAuthError(error, FORGERY_CODES, [token]).code);
        return;
      }
      assert.fail(`a forged token verified (${how})`);
    });
    await checkProperty(t, property, { numRuns: runs(300), redact: true, summary: () => `accepted 0, foreign 0; ${codes}` });
  });
});

// The attacker knows the public key and the kid and signs with its own key or
// with the public key as an HMAC secret (the RS256 → HS256 confusion).
async function forge(victim: TestKey, attacker: TestKey, how: string, sub: string): Promise<string> {
  const claims = { sub, scope: 'read:data' };
  const pointers: Record<string, unknown> = {
    jwk: { jwk: attacker.publicJwk },
    jku: { jku: 'https://attacker.test/jwks.json' },
    x5u: { x5u: 'https://attacker.test/cert.pem' },
    x5c: { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] },
  };
  if (how in pointers) return mint(attacker, { iss: ISSUER, aud: AUDIENCE, claims, header: { kid: victim.kid, ...(pointers[how] as object) } });
  const now = Math.floor(Date.now() / 1000);
  const signingInput = `${b64(JSON.stringify({ alg: how, typ: 'at+jwt', kid: victim.kid }))}.${b64(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, exp: now + 600, ...claims }))}`;
  if (how === 'none') return `${signingInput}.`;
  const secret = new TextEncoder().encode(JSON.stringify(victim.publicJwk));
  const hmac = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: `SHA-${how.slice(2)}` }, false, ['sign']);
  return `${signingInput}.${b64(new Uint8Array(await crypto.subtle.sign('HMAC', hmac, new TextEncoder().encode(signingInput))))}`;
}
