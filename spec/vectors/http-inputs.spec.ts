// fixtures/vectors/generated/http_inputs.json through verifyAuth and
// authenticate(): Authorization and Cookie extraction, both sources, the guest
// id cookie, and the guest Set-Cookie serializer. Each request is tried as a
// plain { headers } object and as a Fetch Request. Where the file recommends
// one thing and the contract decides another, the contract wins (see
// fixtures/vectors/README.md "Where these files recommend and the contract decides").
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import { serializeGuestCookie, parseCookieHeader } from '../../lib/request/cookies.ts';
import { AUTH_ERROR_STATUS, isAuthError, type AuthErrorCode } from '../../lib/errors.ts';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import { parseCompact } from '../../lib/jose/jws.ts';
import { resolveOptions, type VerifyAuthOptions } from '../../lib/options.ts';
import type { RequestLike } from '../../lib/request/token-source.ts';
import { authenticate, verifyAuth } from '../../lib/verify.ts';
import { jwksFetch, readVectors } from '../helpers/vectors.ts';

interface Case {
  id: string;
  value?: string;
  authorization?: string;
  cookie?: string;
  cookieHeader?: string;
  expected: string;
  note?: string;
  description?: string;
}

const generated = readVectors<{ config: { now: number }; jwks: { main: unknown }; tests: { id: string; token?: string }[] }>('generated/jwt_verifier_vectors.json');
const http = readVectors<{
  authorization: Case[];
  cookie: Case[];
  bothSources: Case[];
  guestCookie: Case[];
  guestSetCookie: { requiredPattern: string; serializerNegativeInputs: { name: string; value: string; path?: string; domain?: string; expected: string }[] };
}>('generated/http_inputs.json');

const tokenById = (id: string) => generated.tests.find((vector) => vector.id === id)!.token!;
const TOKENS = { T: tokenById('valid_ES384'), T2: tokenById('valid_RS256') } as const;
type TokenName = keyof typeof TOKENS;

function substitute(text: string): string {
  return text
    .replaceAll('{{T}}', TOKENS.T)
    .replaceAll('{{T2}}', TOKENS.T2)
    .replaceAll('{{LONG_20000}}', 'A'.repeat(20000))
    .replaceAll('{{COOKIE_64KIB}}', `c0=${'x'.repeat(65536)}`);
}

const jwks = jwksFetch();
const JWKS_URI = 'https://tenant.example.test/jwks/main';
jwks.serve(JWKS_URI, generated.jwks.main);
// the file's placeholder names: "at" for the token cookie, "guest_id" for the guest cookie
const OPTIONS: VerifyAuthOptions = { logtoUrl: 'https://tenant.example.test', audience: 'https://api.example.test', fetch: jwks.fetch, jwksUri: JWKS_URI, cookieName: 'at', guestCookieName: 'guest_id' };
const GUEST_OPTIONS: VerifyAuthOptions = { ...OPTIONS, allowGuest: true };
const URL_HTTPS = 'https://api.example.test/resource';

/** What a request must come to: verified as one of the two tokens, or rejected with a code. */
type Outcome = { token: TokenName } | { code: AuthErrorCode };

// Decisions for every case, with the reason where the file's label leaves a choice.
const AUTHORIZATION: Readonly<Record<string, Outcome>> = {
  auth_1: { token: 'T' },
  auth_2: { token: 'T' }, // RFC 9110 §11.1: the scheme is case-insensitive
  auth_3: { token: 'T' },
  auth_4: { token: 'T' }, // acceptable: RFC 6750 §2.1 is "Bearer" 1*SP b64token, so two spaces are fine
  auth_5: { code: 'TOKEN_MISSING' }, // acceptable: TAB is not SP, so "Bearer\t…" is no Bearer credential at all
  auth_6: { code: 'TOKEN_MALFORMED' },
  auth_7: { code: 'TOKEN_MALFORMED' },
  auth_8: { code: 'TOKEN_MALFORMED' },
  auth_9: { code: 'TOKEN_MALFORMED' },
  auth_10: { code: 'TOKEN_MALFORMED' },
  auth_11: { code: 'TOKEN_MISSING' }, // another scheme carries no bearer token
  auth_12: { code: 'TOKEN_MISSING' },
  auth_13: { code: 'TOKEN_MISSING' }, // DPoP is out of scope: never taken as a bearer token
  auth_14: { code: 'TOKEN_MALFORMED' }, // b64token allows "=", compact JWS never does
  auth_15: { code: 'TOKEN_MALFORMED' },
  auth_16: { code: 'TOKEN_MALFORMED' },
  auth_17: { code: 'TOKEN_MALFORMED' }, // longer than MAX_TOKEN_LENGTH: refused before decoding
};

const COOKIE: Readonly<Record<string, Outcome>> = {
  cookie_1: { token: 'T' },
  cookie_2: { token: 'T' },
  cookie_3: { token: 'T' },
  cookie_4: { token: 'T' }, // acceptable: OWS around name and value is trimmed (RFC 6265 §5.2)
  cookie_5: { token: 'T' }, // acceptable: one pair of DQUOTEs is removed (RFC 6265 §4.1.1)
  cookie_6: { token: 'T' }, // acceptable: contract, the first occurrence of a name wins
  cookie_7: { code: 'TOKEN_MISSING' },
  cookie_8: { code: 'TOKEN_MISSING' }, // names are case-sensitive
  cookie_9: { code: 'TOKEN_MISSING' },
  cookie_10: { code: 'TOKEN_MISSING' },
  cookie_11: { code: 'TOKEN_MISSING' },
  cookie_12: { code: 'TOKEN_MISSING' },
  cookie_13: { code: 'TOKEN_MALFORMED' }, // bad percent-encoding is kept raw, then is no JWS
  cookie_14: { code: 'TOKEN_MALFORMED' }, // acceptable: decoded to "eyJ", which the JWS parser refuses
  cookie_15: { code: 'TOKEN_MISSING' },
  cookie_16: { code: 'TOKEN_MALFORMED' }, // the comma is part of the value (RFC 6265 §4.2.1)
  cookie_17: { code: 'TOKEN_MALFORMED' },
  // error: this 64 KiB header holds no "at" cookie, so it is a request without a token
  // (401 TOKEN_MISSING); the parser makes one linear pass, whatever the size
  cookie_18: { code: 'TOKEN_MISSING' },
};

// The contract reads the cookie first; only when the cookie's token fails with a
// 401 code (or CSRF_REJECTED) does a Bearer token in the same request decide. The
// file's "never try both" is about the header failing and the cookie rescuing it:
// that never happens, a failing Bearer token is never followed by anything else.
const BOTH: Readonly<Record<string, Outcome>> = {
  both_1: { token: 'T2' }, // acceptable: contract, the cookie is read first and verifies
  both_2: { token: 'T' },
  // error in the file; the cookie's token verifies, so the Authorization header is not used
  both_3: { token: 'T' },
};

type GuestDecision = 'reuse' | 'reissue' | 'issue';
const GUEST: Readonly<Record<string, GuestDecision>> = {
  guest_1: 'reuse',
  guest_2: 'reissue', // acceptable: not a canonical lowercase UUID (contract), so a new id
  guest_3: 'reissue', // the nil UUID
  // "reissue" in the file; the contract reuses any canonical lowercase 8-4-4-4-12 hex UUID
  // other than nil. The id is client-chosen anyway: checking its version or variant
  // nibble would add no security, only reject ids other UUID generators make.
  guest_4: 'reuse',
  guest_5: 'reuse',
  guest_6: 'reissue',
  guest_7: 'reissue',
  guest_8: 'reissue', // decoded to a value with CR LF, which is no UUID
  guest_9: 'reissue',
  guest_10: 'reissue',
  guest_11: 'reissue',
  guest_12: 'reuse', // acceptable: contract, the first occurrence wins
  guest_13: 'reissue',
  guest_14: 'issue',
};

function payloadOf(name: TokenName): Record<string, unknown> {
  return parseCompact(TOKENS[name]).payload;
}

function plainRequest(headers: Record<string, string>): RequestLike {
  return { headers };
}

function fetchRequest(headers: Record<string, string>): Request {
  return new Request(URL_HTTPS, { headers });
}

// label in the file → what the library did with it, one count per request shape
const tally = new Map<string, number>();
function count(label: string, outcome: string): void {
  const key = `${label} → ${outcome}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

async function assertOutcome(input: RequestLike, expected: Outcome, label: string | undefined): Promise<void> {
  try {
    const auth = await verifyAuth(input, OPTIONS);
    if (label) count(label, 'verified');
    assert.ok('token' in expected, `verified, expected ${JSON.stringify(expected)}`);
    assert.equal(auth.isAuthenticated, true);
    assert.deepEqual(auth.payload, payloadOf(expected.token));
  } catch (error) {
    if (!isAuthError(error)) throw error;
    if (label) count(label, error.code);
    assert.ok('code' in expected, `rejected with ${error.code}, expected ${JSON.stringify(expected)}`);
    assert.equal(error.code, expected.code);
    assert.equal(error.status, 401);
    assert.equal(AUTH_ERROR_STATUS[error.code], 401);
    for (const token of Object.values(TOKENS)) assert.ok(!error.message.includes(token.slice(token.lastIndexOf('.') + 1)), 'the message contains a signature');
  }
}

function describeOutcome(outcome: Outcome): string {
  return 'token' in outcome ? `verifies as {{${outcome.token}}}` : `is rejected with ${outcome.code}`;
}

// header values a Fetch Headers refuses (NUL, RFC 9110 §5.5) never reach the library as a Request
function fetchRefuses(value: string): boolean {
  return value.includes('\u0000');
}

const GUEST_SET_COOKIE = new RegExp(http.guestSetCookie.requiredPattern);

describe('generated http_inputs.json', () => {
  const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
  before(() => {
    clearJwksCache();
    mock.timers.enable({ apis: ['Date'], now: generated.config.now * 1000 });
  });
  after(() => {
    mock.timers.reset();
    console.log(`[vectors] generated/http_inputs.json (one count per request shape): ${[...tally].map(([key, n]) => `${key}: ${n}`).join('; ')}`);
  });

  test('has a decision for every case of the file', () => {
    assert.deepEqual(http.authorization.map((c) => c.id).sort(), Object.keys(AUTHORIZATION).sort());
    assert.deepEqual(http.cookie.map((c) => c.id).sort(), Object.keys(COOKIE).sort());
    assert.deepEqual(http.bothSources.map((c) => c.id).sort(), Object.keys(BOTH).sort());
    assert.deepEqual(http.guestCookie.map((c) => c.id).sort(), Object.keys(GUEST).sort());
  });

  describe('Authorization header', () => {
    for (const c of http.authorization) {
      const expected = AUTHORIZATION[c.id]!;
      const headers = () => ({ authorization: substitute(c.value!) });
      test(`${c.id} (${c.expected}) ${JSON.stringify(c.value)} ${describeOutcome(expected)} as plain headers`, async () => {
        await assertOutcome(plainRequest(headers()), expected, c.expected);
      });
      if (fetchRefuses(c.value!)) {
        test(`${c.id} (${c.expected}) ${JSON.stringify(c.value)} cannot be built as a Fetch Request (Headers refuses it)`, () => {
          assert.throws(() => fetchRequest(headers()), TypeError);
        });
      } else {
        test(`${c.id} (${c.expected}) ${JSON.stringify(c.value)} ${describeOutcome(expected)} as a Fetch Request`, async () => {
          await assertOutcome(fetchRequest(headers()), expected, c.expected);
        });
      }
    }
  });

  describe('Cookie header', () => {
    for (const c of http.cookie) {
      const expected = COOKIE[c.id]!;
      const headers = () => ({ cookie: substitute(c.value!) });
      test(`${c.id} (${c.expected}) ${JSON.stringify(c.value!.slice(0, 60))} ${describeOutcome(expected)} as plain headers`, async () => {
        await assertOutcome(plainRequest(headers()), expected, c.expected);
      });
      test(`${c.id} (${c.expected}) ${JSON.stringify(c.value!.slice(0, 60))} ${describeOutcome(expected)} as a Fetch Request`, async () => {
        await assertOutcome(fetchRequest(headers()), expected, c.expected);
      });
      if (c.expected === 'absent') {
        // "absent" means no token from this source: the Bearer header is read next
        test(`${c.id} (absent) falls through to Authorization: Bearer {{T2}}`, async () => {
          await assertOutcome(plainRequest({ ...headers(), authorization: `Bearer ${TOKENS.T2}` }), { token: 'T2' }, undefined);
        });
      }
    }

    test('cookie_15 leaves Object.prototype alone and finds no inherited names', () => {
      const cookies = parseCookieHeader(substitute(http.cookie.find((c) => c.id === 'cookie_15')!.value!));
      assert.equal(Object.getPrototypeOf(cookies), null);
      assert.equal(cookies.at, undefined);
      assert.equal(cookies.hasOwnProperty, undefined);
      assert.equal(cookies.valueOf, undefined);
      assert.equal(cookies.constructor, 'x');
      assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeNames);
      assert.equal(({} as Record<string, unknown>).at, undefined);
    });
  });

  describe('both sources', () => {
    for (const c of http.bothSources) {
      const expected = BOTH[c.id]!;
      const headers = () => ({ authorization: substitute(c.authorization!), cookie: substitute(c.cookie!) });
      test(`${c.id} (${c.expected}) cookie ${JSON.stringify(c.cookie)} and ${JSON.stringify(c.authorization)} ${describeOutcome(expected)}: the cookie comes first`, async () => {
        await assertOutcome(plainRequest(headers()), expected, c.expected);
        await assertOutcome(fetchRequest(headers()), expected, c.expected);
      });
    }
  });

  describe('guest id cookie (allowGuest, no token)', () => {
    for (const c of http.guestCookie) {
      const decision = GUEST[c.id]!;
      // the id the cookie carries, as the request sends it: the first guest_id pair
      const sent = /(?:^|;\s*)guest_id=([^;]*)/.exec(c.cookieHeader!)?.[1];
      const inputs: [string, () => RequestLike, boolean][] = [
        ['plain headers', () => plainRequest(c.cookieHeader ? { cookie: c.cookieHeader } : {}), false],
        ['a Fetch Request over https', () => fetchRequest(c.cookieHeader ? { cookie: c.cookieHeader } : {}), true],
      ];
      for (const [shape, input, secure] of inputs) {
        test(`${c.id} (${c.expected}) ${JSON.stringify(c.cookieHeader)} ${decision === 'reuse' ? 'keeps the guest id' : 'gets a new guest id'} from ${shape}`, async () => {
          const auth = await verifyAuth(input(), GUEST_OPTIONS);
          assert.equal(auth.isGuest, true);
          assert.equal(auth.isAuthenticated, false);
          assert.equal(auth.userId, null);
          assert.equal(auth.payload, null);

          const outcome = await authenticate(input(), resolveOptions(GUEST_OPTIONS));
          assert.ok(outcome.auth);
          if (decision === 'reuse') {
            assert.equal(auth.guestId, sent);
            assert.equal(outcome.auth.guestId, sent);
            assert.equal(outcome.newGuestId, false);
          } else {
            // a fresh crypto.randomUUID(), never the value sent, and a Set-Cookie that fits the file's pattern
            assert.match(auth.guestId!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
            assert.notEqual(auth.guestId, sent);
            assert.notEqual(outcome.auth.guestId, auth.guestId);
            assert.equal(outcome.newGuestId, true);
            assert.equal(outcome.secure, secure); // read for a new id, whose cookie it marks Secure
            const setCookie = serializeGuestCookie('guest_id', outcome.auth.guestId!, outcome.secure);
            assert.match(setCookie, GUEST_SET_COOKIE);
            assert.equal(setCookie, `guest_id=${outcome.auth.guestId}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`);
          }
          count(c.expected, decision);
        });
      }
    }
  });

  describe('guest Set-Cookie serializer', () => {
    for (const input of http.guestSetCookie.serializerNegativeInputs) {
      if (input.path !== undefined || input.domain !== undefined) {
        // the serializer takes no path or domain: they are fixed (Path=/, host-only), so
        // these injections have nowhere to go
        test(`has no ${input.path !== undefined ? 'path' : 'domain'} parameter, so ${JSON.stringify(input.path ?? input.domain)} cannot be injected`, () => {
          assert.equal(serializeGuestCookie.length, 3);
          assert.equal(serializeGuestCookie(input.name, input.value, true), `guest_id=${input.value}; Path=/; HttpOnly; SameSite=Lax; Secure`);
        });
        continue;
      }
      test(`throws TypeError for name ${JSON.stringify(input.name)} and value ${JSON.stringify(input.value)}`, () => {
        assert.throws(() => serializeGuestCookie(input.name, input.value, true), TypeError);
        assert.throws(() => serializeGuestCookie(input.name, input.value, false), TypeError);
      });
    }
  });
});
