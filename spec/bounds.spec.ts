// Every resource bound, pushed one step past its limit (and, where it means
// something, shown to pass at the limit): token size, JWKS size and key count,
// cached JWKS URLs, the unknown-kid refetch cooldown and the fetch timeout.
// JWKS responses come from an injected fetch that counts its calls per URL.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { AuthError } from '../lib/errors.ts';
import { clearJwksCache, JWKS_REFETCH_COOLDOWN_MS, MAX_CACHED_JWKS_URLS } from '../lib/keys/jwks-cache.ts';
import { JWKS_FETCH_TIMEOUT_MS } from '../lib/keys/jwks-fetch.ts';
import { MAX_JWKS_BYTES, MAX_JWKS_KEYS } from '../lib/keys/key-set.ts';
import { MAX_TOKEN_LENGTH } from '../lib/jose/jws.ts';
import { verifyLogtoToken } from '../lib/verify.ts';
import { makeKey, mint } from './helpers/keys.ts';

const LOGTO_URL = 'https://bounds.logto.test';
const ISSUER = `${LOGTO_URL}/oidc`;
const AUDIENCE = 'https://api.bounds.test';
const key = await makeKey('ES256', 'bounds');
const jwksDocument = JSON.stringify({ keys: [key.publicJwk] });
const goodToken = await mint(key, { iss: ISSUER, aud: AUDIENCE });

let fetches: Map<string, number>;
const fetchCount = (url = `${ISSUER}/jwks`) => fetches.get(url) ?? 0;
/** An injected fetch that counts calls per URL and answers with `respond()`. */
const countingFetch = (respond: () => Response = () => new Response(jwksDocument)) =>
  (async (url: string | URL | Request) => {
    fetches.set(String(url), fetchCount(String(url)) + 1);
    return respond();
  }) as typeof fetch;

async function outcome(token: string, extra: Record<string, unknown> = {}): Promise<string> {
  try {
    await verifyLogtoToken(token, { logtoUrl: LOGTO_URL, audience: AUDIENCE, fetch: countingFetch(), ...extra });
    return 'verified';
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    return `${error.code} ${error.status}`;
  }
}

beforeEach(() => {
  clearJwksCache();
  fetches = new Map();
});
afterEach(() => mock.timers.reset());

/** A validly signed token of exactly `length` characters: a padding claim, and a header member for the last few characters. */
async function signedTokenOfLength(length: number): Promise<string> {
  const bare = await mint(key, { iss: ISSUER, aud: AUDIENCE, claims: { pad: '' } });
  const estimate = Math.floor(((length - bare.length) * 3) / 4);
  for (let pad = Math.max(0, estimate - 8); pad <= estimate + 8; pad++) {
    for (let extra = 0; extra < 6; extra++) {
      const header = extra === 0 ? {} : { x: 'x'.repeat(extra) };
      const token = await mint(key, { iss: ISSUER, aud: AUDIENCE, claims: { pad: 'p'.repeat(pad) }, header });
      if (token.length === length) return token;
    }
  }
  throw new Error(`no token of length ${length}`);
}

describe('MAX_TOKEN_LENGTH', () => {
  test(`verifies a signed token of exactly ${MAX_TOKEN_LENGTH} characters`, async () => {
    const token = await signedTokenOfLength(MAX_TOKEN_LENGTH);
    assert.equal(await outcome(token), 'verified');
  });

  test('answers TOKEN_MALFORMED for a signed token one character longer, before any JWKS request', async () => {
    const token = await signedTokenOfLength(MAX_TOKEN_LENGTH + 1);
    assert.equal(await outcome(token), 'TOKEN_MALFORMED 401');
    assert.equal(fetchCount(), 0);
  });
});

describe('MAX_JWKS_BYTES', () => {
  // JSON allows trailing whitespace, so the document is padded to the exact size
  const jwksOfSize = (bytes: number) => jwksDocument + ' '.repeat(bytes - jwksDocument.length);

  test(`reads a JWKS of exactly ${MAX_JWKS_BYTES} bytes, streamed or with its Content-Length`, async () => {
    const body = jwksOfSize(MAX_JWKS_BYTES);
    assert.equal(await outcome(goodToken, { fetch: countingFetch(() => new Response(body)) }), 'verified');
    clearJwksCache();
    assert.equal(await outcome(goodToken, { fetch: countingFetch(() => new Response(body, { headers: { 'content-length': String(MAX_JWKS_BYTES) } })) }), 'verified');
  });

  test('answers JWKS_UNAVAILABLE for a JWKS one byte larger, streamed without a Content-Length', async () => {
    const body = jwksOfSize(MAX_JWKS_BYTES + 1);
    assert.equal(await outcome(goodToken, { fetch: countingFetch(() => new Response(body)) }), 'JWKS_UNAVAILABLE 503');
    assert.equal(fetchCount(), 1);
  });

  test('answers JWKS_UNAVAILABLE when the Content-Length declares one byte over, whatever the body', async () => {
    // the body itself is a small valid JWKS: only the declaration can refuse it
    const declared = () => new Response(jwksDocument, { headers: { 'content-length': String(MAX_JWKS_BYTES + 1) } });
    assert.equal(await outcome(goodToken, { fetch: countingFetch(declared) }), 'JWKS_UNAVAILABLE 503');
  });
});

describe('MAX_JWKS_KEYS', () => {
  // fillers that count as members but are never usable keys
  const jwksWith = (members: number) =>
    JSON.stringify({ keys: [key.publicJwk, ...Array.from({ length: members - 1 }, (_, i) => ({ kty: 'oct', kid: `filler-${i}`, k: 'AA' }))] });

  test(`uses a JWKS of exactly ${MAX_JWKS_KEYS} keys`, async () => {
    const body = jwksWith(MAX_JWKS_KEYS);
    assert.equal(await outcome(goodToken, { fetch: countingFetch(() => new Response(body)) }), 'verified');
  });

  test('refuses a JWKS of one key more as a whole: JWKS_UNAVAILABLE, even for a key it contains', async () => {
    const body = jwksWith(MAX_JWKS_KEYS + 1);
    assert.equal(await outcome(goodToken, { fetch: countingFetch(() => new Response(body)) }), 'JWKS_UNAVAILABLE 503');
  });
});

describe('MAX_CACHED_JWKS_URLS', () => {
  const jwksUri = (i: number) => `https://tenant-${i}.logto.test/oidc/jwks`;
  const verifyAt = (i: number) => outcome(goodToken, { issuer: ISSUER, jwksUri: jwksUri(i) });

  test(`keeps ${MAX_CACHED_JWKS_URLS} JWKS URLs cached at once`, async () => {
    for (let i = 0; i < MAX_CACHED_JWKS_URLS; i++) assert.equal(await verifyAt(i), 'verified');
    for (let i = 0; i < MAX_CACHED_JWKS_URLS; i++) assert.equal(await verifyAt(i), 'verified');
    for (let i = 0; i < MAX_CACHED_JWKS_URLS; i++) assert.equal(fetchCount(jwksUri(i)), 1, `URL ${i}`);
  });

  test('drops the least recently used JWKS URL past the limit, and only that one', async () => {
    for (let i = 0; i <= MAX_CACHED_JWKS_URLS; i++) assert.equal(await verifyAt(i), 'verified');
    // URL 0 was evicted when URL MAX came in: verifying there fetches again (and evicts URL 1)
    assert.equal(await verifyAt(0), 'verified');
    assert.equal(fetchCount(jwksUri(0)), 2);
    // the other MAX - 1 URLs stayed: no fetch for them
    for (let i = 2; i <= MAX_CACHED_JWKS_URLS; i++) assert.equal(await verifyAt(i), 'verified');
    for (let i = 2; i <= MAX_CACHED_JWKS_URLS; i++) assert.equal(fetchCount(jwksUri(i)), 1, `URL ${i}`);
    assert.equal(await verifyAt(1), 'verified');
    assert.equal(fetchCount(jwksUri(1)), 2);
  });
});

describe('JWKS_REFETCH_COOLDOWN_MS', () => {
  test(`refetches for an unknown kid again only once ${JWKS_REFETCH_COOLDOWN_MS} ms have passed since the last such refetch`, async () => {
    const unknownKid = () => mint(key, { iss: ISSUER, aud: AUDIENCE, header: { kid: crypto.randomUUID() } });
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    assert.equal(await outcome(goodToken), 'verified');
    assert.equal(fetchCount(), 1);
    mock.timers.tick(1);
    assert.equal(await outcome(await unknownKid()), 'KEY_NOT_FOUND 401');
    assert.equal(fetchCount(), 2);
    mock.timers.tick(JWKS_REFETCH_COOLDOWN_MS - 1);
    assert.equal(await outcome(await unknownKid()), 'KEY_NOT_FOUND 401');
    assert.equal(fetchCount(), 2, 'one millisecond inside the cooldown: no request');
    mock.timers.tick(1);
    assert.equal(await outcome(await unknownKid()), 'KEY_NOT_FOUND 401');
    assert.equal(fetchCount(), 3);
  });
});

describe('JWKS_FETCH_TIMEOUT_MS', () => {
  test(`gives up on a JWKS request after ${JWKS_FETCH_TIMEOUT_MS} ms, even when fetch ignores the abort signal`, async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    let signal: AbortSignal | undefined;
    const hangingFetch = (async (_url: string, init?: RequestInit) => {
      signal = init?.signal ?? undefined;
      return new Promise<Response>(() => {});
    }) as unknown as typeof fetch;
    let settled = false;
    const result = outcome(goodToken, { fetch: hangingFetch }).finally(() => (settled = true));
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    await turn();
    mock.timers.tick(JWKS_FETCH_TIMEOUT_MS - 1);
    await turn();
    assert.equal(settled, false);
    assert.equal(signal?.aborted, false);
    mock.timers.tick(1);
    assert.equal(await result, 'JWKS_UNAVAILABLE 503');
    assert.equal(signal?.aborted, true);
  });
});
