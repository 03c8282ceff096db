// Property: verifyAuth on any `{ headers, cookies? }` never throws anything but
// an AuthError with a contract code, and it authenticates only when a valid
// token is actually in the request (else, in guest mode, a well-formed guest).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { verifyAuth } from '../../lib/verify.ts';
import { makeKey, mint } from '../helpers/keys.ts';
import { assertAuthError, checkProperty, CONTRACT_CODES, runs, tally } from './support.ts';

const LOGTO_URL = 'https://fuzz-requests.logto.test';
const AUDIENCE = 'https://api.fuzz.test';
const key = await makeKey('ES384', 'fuzz-requests');
const jwks = JSON.stringify({ keys: [key.publicJwk] });
const fetchJwks = async () => new Response(jwks, { headers: { 'content-type': 'application/json' } });
const valid = await mint(key, { iss: `${LOGTO_URL}/oidc`, aud: AUDIENCE });
const expired = await mint(key, { iss: `${LOGTO_URL}/oidc`, aud: AUDIENCE, expiresIn: -60 });
const unscoped = await mint(key, { iss: `${LOGTO_URL}/oidc`, aud: AUDIENCE, claims: { scope: 'profile' } });
const options = {
  strict: { logtoUrl: LOGTO_URL, audience: AUDIENCE, requiredScope: 'read:data', fetch: fetchJwks },
  guest: { logtoUrl: LOGTO_URL, audience: AUDIENCE, requiredScope: 'read:data', fetch: fetchJwks, allowGuest: true },
};
const SECRETS = [valid, expired, unscoped].flatMap((token) => [token, token.slice(token.lastIndexOf('.') + 1)]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// token-ish strings: real tokens, damaged ones, and text
const tokenish = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(valid, expired, unscoped, '', 'null', 'a.b.c', '..', `${valid}.`, valid.slice(0, -2), valid.replace(/-/g, '+')) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(valid, unscoped), fc.nat(), fc.constantFrom('A', '.', ' ', '%', '"', ';', ',')).map(([token, at, c]) => token.slice(0, at % token.length) + c + token.slice((at % token.length) + 1)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);
const authorization = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'DPoP', 'Bearer:', ''), fc.constantFrom(' ', '  ', '\t', ''), tokenish).map(([scheme, space, token]) => `${scheme}${space}${token}`) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);
const cookieValue = fc.oneof(tokenish, fc.uuid().map(String), fc.constantFrom('00000000-0000-0000-0000-000000000000', 'j:{"a":1}', '"quoted"'));
const cookieHeader = fc
  .array(fc.tuple(fc.constantFrom('logto_authtoken', 'guest_logto_authtoken', 'other', 'LOGTO_AUTHTOKEN', ' logto_authtoken'), cookieValue), { maxLength: 4 })
  .map((pairs) => pairs.map(([name, value]) => `${name}=${value}`).join('; '));
const headerValue = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary }, { weight: 1, arbitrary: fc.array(arbitrary, { minLength: 1, maxLength: 3 }) });
const headers = fc.record(
  {
    authorization: headerValue(authorization),
    Authorization: headerValue(authorization),
    cookie: headerValue(fc.oneof(cookieHeader, fc.string({ unit: 'binary', maxLength: 60 }))),
    'x-forwarded-proto': fc.constantFrom('https', 'http'),
  },
  { requiredKeys: [] },
);
// cookies as cookie-parser leaves them (strings, or objects for "j:" values) or as Next's RequestCookies
const cookieRecord = fc.dictionary(fc.constantFrom('logto_authtoken', 'guest_logto_authtoken', 'other', '__proto__'), fc.oneof(cookieValue, fc.constant({ a: 1 }), fc.constant(undefined)));
const cookies = fc.oneof(fc.constant(undefined), cookieRecord, cookieRecord.map((record) => ({ record, get: (name: string) => (typeof record[name] === 'string' ? { name, value: record[name] } : undefined) })));
// the request, and all text it carries (to tell whether the valid token was in it)
const request = fc.tuple(headers, cookies, fc.boolean()).map(([record, jar, asFetchHeaders]) => {
  const carried = JSON.stringify([record, jar]);
  let built: Record<string, unknown> | Headers = record;
  if (asFetchHeaders) {
    try {
      built = new Headers(Object.entries(record).flatMap(([name, value]) => (Array.isArray(value) ? value.map((v) => [name, v]) : [[name, value]])) as [string, string][]);
    } catch {
      // a value Headers refuses (CR, LF, non-Latin-1) stays a plain record
    }
  }
  return { input: jar === undefined ? { headers: built } : { headers: built, cookies: jar }, carried };
});

describe('verifyAuth on arbitrary requests', () => {
  for (const mode of ['strict', 'guest'] as const) {
    test(`never throws anything but an AuthError, and authenticates only a valid token it was given (${mode} mode)`, async (t) => {
      const outcomes = tally();
      const property = fc.asyncProperty(request, async ({ input, carried }) => {
        let auth;
        try {
          auth = await verifyAuth(input as Parameters<typeof verifyAuth>[0], options[mode]);
        } catch (error) {
          // in guest mode only the 403 and the 503 stay errors (the JWKS here never fails)
          outcomes.add(assertAuthError(error, mode === 'guest' ? new Set(['SCOPE_MISSING']) : CONTRACT_CODES, SECRETS).code);
          return;
        }
        if (auth.isAuthenticated) {
          assert.ok(carried.includes(valid), 'authenticated without the valid token');
          assert.equal(auth.userId, 'user_123');
          outcomes.add('authenticated');
        } else {
          assert.equal(mode, 'guest');
          assert.deepEqual({ ...auth, guestId: 'x' }, { userId: null, isAuthenticated: false, payload: null, isGuest: true, guestId: 'x' });
          assert.match(auth.guestId!, UUID);
          assert.notEqual(auth.guestId, '00000000-0000-0000-0000-000000000000');
          outcomes.add('guest');
        }
      });
      await checkProperty(t, property, { numRuns: runs(500), redact: true, summary: () => `foreign 0; ${outcomes}` });
    });
  }
});
