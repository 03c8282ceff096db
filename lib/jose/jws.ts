/**
 * Compact JWS (RFC 7515 §7.1): split and decode a token without trusting it,
 * then check its signature with `crypto.subtle.verify`.
 * @see https://www.rfc-editor.org/rfc/rfc7515
 * @module
 */
import { decodeBase64url, decodeUtf8, encodeUtf8 } from './base64url.js';
import { AuthError } from '../errors.js';
import { ALGORITHMS, type Algorithm } from './jwk.js';

/**
 * Longest token we parse, in characters. Logto access tokens are 0.5 to 1.5 KB;
 * 8 KiB leaves room for custom claims five times over, is twice what a browser
 * keeps in one cookie (RFC 6265 §6.1 asks for 4096 bytes), and caps the
 * base64url and JSON work an attacker can make us do before the signature.
 */
export const MAX_TOKEN_LENGTH = 8192;

/** The message for a token that is not three dot-separated parts: the usual cause with Logto is an opaque token. */
export const NOT_A_JWT = 'the token is not a JWT (three dot-separated parts); Logto issues opaque access tokens when no API resource is requested: ask for the API resource (the "resource" parameter) to get a JWT';

/** The protected header, as far as we read it. Other members are ignored, never fetched from. */
export interface JwsHeader {
  alg?: unknown;
  kid?: unknown;
  typ?: unknown;
  [member: string]: unknown;
}

/** A compact JWS decoded but not verified. */
export interface ParsedJws {
  header: JwsHeader & { alg: string; kid?: string };
  payload: Record<string, unknown>;
  /** `BASE64URL(header) || '.' || BASE64URL(payload)`, the bytes that were signed. */
  signingInput: Uint8Array<ArrayBuffer>;
  signature: Uint8Array<ArrayBuffer>;
}

/**
 * Splits and decodes a compact JWS. Throws `TOKEN_MALFORMED` for anything that is
 * not three strict base64url parts with a JSON object header and payload, and
 * `TOKEN_TYPE_INVALID` for a missing `typ` or one other than `at+jwt` (or, for a
 * back-channel logout token, other than `logout+jwt`). Does not verify anything.
 */
export function parseCompact(token: unknown, typ: ExpectedType = 'at+jwt'): ParsedJws {
  if (typeof token !== 'string' || token.length === 0) throw malformed('the token is empty or not a string');
  // cap first: nothing below runs on an oversized input (one pass per dot would be work per dot)
  if (token.length > MAX_TOKEN_LENGTH) throw malformed(`the token is longer than ${MAX_TOKEN_LENGTH} characters`);
  const firstDot = token.indexOf('.');
  const secondDot = firstDot === -1 ? -1 : token.indexOf('.', firstDot + 1);
  if (secondDot === -1 || token.indexOf('.', secondDot + 1) !== -1) {
    // Logto issues an opaque (non-JWT) access token when the app asks for no API resource
    throw malformed(NOT_A_JWT);
  }
  const header = readHeader(token.slice(0, firstDot));
  assertType(header.typ, typ);
  const payload = decodeJsonObject(token, firstDot + 1, secondDot, 'payload');
  const signature = decodeBase64url(token, secondDot + 1);
  if (!signature) throw malformed('the signature is not base64url');
  // the token is ASCII once its parts are valid base64url, so UTF-8 encoding is a byte copy
  return { header, payload, signingInput: encodeUtf8(token.slice(0, secondDot)), signature };
}

// Every token signed by one key carries the same header segment, so a checked
// header is kept by its segment and the next token skips base64url and JSON.
// Frozen, so no caller can change what the next one reads. Bounded: a stream of
// distinct headers only recycles the map.
const MAX_CACHED_HEADERS = 64;
const checkedHeaders = new Map<string, ParsedJws['header']>();

function readHeader(segment: string): ParsedJws['header'] {
  const cached = checkedHeaders.get(segment);
  if (cached) return cached;
  const header = decodeJsonObject(segment, 0, segment.length, 'header');
  if (typeof header.alg !== 'string') throw malformed('the header has no "alg" string');
  if (header.kid !== undefined && typeof header.kid !== 'string') throw malformed('the header "kid" is not a string');
  // RFC 7515 §4.1.11: we understand no extensions, so any "crit" is refused
  if (Object.hasOwn(header, 'crit')) throw malformed('the header has "crit" extensions, none of which are supported');
  // RFC 7797 §3: an unencoded payload changes what was signed; we only verify the plain form
  if (Object.hasOwn(header, 'b64') && header.b64 !== true) throw malformed('the header asks for an unencoded payload ("b64"), which is not supported');
  if (checkedHeaders.size >= MAX_CACHED_HEADERS) checkedHeaders.clear();
  checkedHeaders.set(ownCopy(segment), Object.freeze(header) as ParsedJws['header']);
  return header as ParsedJws['header'];
}

// The segment is a slice of the token, itself maybe a slice of a whole Cookie
// header (V8 sliced strings keep their parent alive); concatenating and slicing
// again makes V8 copy the characters into a string of their own, so a cached
// key keeps only itself.
function ownCopy(text: string): string {
  return (text + ' ').slice(0, -1);
}

/** The JWT types we read: access tokens (RFC 9068) and back-channel logout tokens (OIDC Back-Channel Logout 1.0 §2.4). */
export type ExpectedType = 'at+jwt' | 'logout+jwt';

// RFC 9068 §2.1 and §4: "at+jwt" keeps an ID token or other JWT from passing as an
// access token. A missing "typ" is refused too: Logto puts "at+jwt" on every
// access token and no "typ" at all on its ID tokens, so a token without one is
// an ID token (which would otherwise pass wherever `audience` lists the client
// id). A logout token must say "logout+jwt", so neither kind passes as the
// other. RFC 7515 §4.1.9: media types compare case-insensitively,
// "application/" optional. Checked on every parse, before any claim is read and
// outside the header cache, since one header may be asked as either kind.
function assertType(typ: unknown, expected: ExpectedType): void {
  if (typeof typ === 'string') {
    const lower = typ.toLowerCase();
    if (lower === expected || lower === `application/${expected}`) return;
  }
  const what = expected === 'at+jwt' ? 'an access token' : 'a logout token';
  const message = typ === undefined ? `the token header has no "typ" (${what} says "${expected}")` : `the token header "typ" is not "${expected}"`;
  throw new AuthError('TOKEN_TYPE_INVALID', `${message}: this is not ${what}`, {
    detail: { claim: 'typ', expected, actual: typ },
  });
}

/**
 * Verifies the signature with WebCrypto. The signature must have the exact
 * length the algorithm and key give (RFC 7518 §3.4: ECDSA is raw r‖s, not DER;
 * RFC 8017 §8.2.2: an RSA signature is as long as the modulus).
 * Throws `SIGNATURE_INVALID`.
 */
export async function verifySignature(jws: ParsedJws, alg: Algorithm, key: CryptoKey, signatureLength: number): Promise<void> {
  if (!(await signatureVerifies(jws, alg, key, signatureLength))) throw signatureInvalid();
}

/**
 * `verifySignature` for the hot path: `crypto.subtle.verify`'s own promise
 * (or `false` for a signature of the wrong length), with no async wrapper of
 * its own, so the caller's `await` is the only microtask turn between the
 * threadpool's answer and the pipeline going on. Throw `signatureInvalid()` on false.
 */
export function signatureVerifies(jws: ParsedJws, alg: Algorithm, key: CryptoKey, signatureLength: number): Promise<boolean> | false {
  return jws.signature.length === signatureLength && crypto.subtle.verify(ALGORITHMS[alg].verifyParams, key, jws.signature, jws.signingInput);
}

/** The `SIGNATURE_INVALID` error. */
export function signatureInvalid(): AuthError {
  return new AuthError('SIGNATURE_INVALID', 'the token signature does not verify');
}

function decodeJsonObject(token: string, start: number, end: number, part: 'header' | 'payload'): Record<string, unknown> {
  const bytes = decodeBase64url(token, start, end);
  if (!bytes) throw malformed(`the ${part} is not base64url`);
  const text = decodeUtf8(bytes);
  if (text === undefined) throw malformed(`the ${part} is not UTF-8`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed(`the ${part} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(`the ${part} is not a JSON object`);
  return value as Record<string, unknown>;
}

function malformed(message: string): AuthError {
  return new AuthError('TOKEN_MALFORMED', message);
}
