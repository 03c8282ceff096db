// Shared plumbing for the table-driven vector specs in spec/vectors/: reading
// fixtures/vectors/, turning Wycheproof key fields into JWKs, serving JWKS
// documents through an injected fetch, and a signature-only JWS check built
// from the library's own stages (no claim checks).
import { readFileSync } from 'node:fs';
import { decodeBase64url, decodeUtf8, encodeBase64url, encodeUtf8 } from '../../lib/jose/base64url.ts';
import { AUTH_ERROR_STATUS, AuthError, isAuthError, type AuthErrorCode } from '../../lib/errors.ts';
import { ALGORITHM_NAMES, isAlgorithm, type Algorithm } from '../../lib/jose/jwk.ts';
import { getKey, type KeySource } from '../../lib/keys/jwks-cache.ts';
import { MAX_TOKEN_LENGTH, parseCompact, verifySignature, type ParsedJws } from '../../lib/jose/jws.ts';

const FIXTURES = new URL('../../fixtures/vectors/', import.meta.url);

/** Parses one JSON file of fixtures/vectors/ (the specs read nothing outside the repo). */
export function readVectors<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, FIXTURES), 'utf8')) as T;
}

/** The bytes of a fixture file, for hashing. */
export function readFixtureBytes(path: string): Buffer {
  return readFileSync(new URL(path, FIXTURES));
}

export function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** An unsigned big-endian integer in hex as a JWK member: leading zero octets dropped, then left-padded to `size` bytes (RFC 7518 §6.2.1.2, §6.3.1). */
export function hexToJwkInteger(hex: string, size = 0): string {
  let bytes = hexToBytes(hex.length % 2 === 1 ? `0${hex}` : hex);
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  bytes = bytes.slice(i);
  if (bytes.length < size) {
    const padded = new Uint8Array(size);
    padded.set(bytes, size - bytes.length);
    bytes = padded;
  }
  return encodeBase64url(bytes);
}

const CURVES: Readonly<Record<string, { crv: string; size: number }>> = {
  secp256r1: { crv: 'P-256', size: 32 },
  secp384r1: { crv: 'P-384', size: 48 },
  secp521r1: { crv: 'P-521', size: 66 },
};

/** A public EC JWK from Wycheproof's `publicKey.wx`/`wy` (hex with an optional sign octet). */
export function ecJwkFromPoint(publicKey: { curve: string; wx: string; wy: string }): JsonWebKey {
  const curve = CURVES[publicKey.curve];
  if (!curve) throw new Error(`no JWK curve for ${publicKey.curve}`);
  return { kty: 'EC', crv: curve.crv, x: hexToJwkInteger(publicKey.wx, curve.size), y: hexToJwkInteger(publicKey.wy, curve.size) };
}

/** A public RSA JWK from Wycheproof's `publicKey.modulus`/`publicExponent` (hex). */
export function rsaJwkFromHex(publicKey: { modulus: string; publicExponent: string }): JsonWebKey {
  return { kty: 'RSA', n: hexToJwkInteger(publicKey.modulus), e: hexToJwkInteger(publicKey.publicExponent) };
}

/** A fetch that answers JWKS documents by URL and records every URL asked for. */
export interface JwksFetch {
  fetch: typeof fetch;
  /** Every URL requested, in order. */
  requested: string[];
  /** Adds (or replaces) the document served at `url`. */
  serve(url: string, document: unknown): void;
}

export function jwksFetch(): JwksFetch {
  const documents = new Map<string, string>();
  const requested: string[] = [];
  const fetchJwks = (async (input: RequestInfo | URL) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    requested.push(url);
    const body = documents.get(url);
    if (body === undefined) return new Response('not found', { status: 404 });
    return new Response(body, { status: 200, headers: { 'content-type': 'application/jwk-set+json' } });
  }) as typeof fetch;
  return { fetch: fetchJwks, requested, serve: (url, document) => documents.set(url, JSON.stringify(document)) };
}

/** A key source for `getKey`: one JWKS URL (so the per-URL cache keeps it apart), served by `jwks`. */
export function keySource(jwks: JwksFetch, url: string, document: unknown): KeySource {
  jwks.serve(url, document);
  return { jwksUri: url, jwksCacheTtl: 300_000, fetch: jwks.fetch };
}

/**
 * Checks a compact JWS at the signature layer with the library's own stages:
 * parse, `alg` against the allow-list, key selection and import from the JWKS
 * (`getKey`: parsePublicJwk, keyFitsAlgorithm, importPublicKey), then
 * `verifySignature`. No claim is checked. Throws the library's `AuthError`.
 * A payload that is not a JSON object (Wycheproof's "foo", RFC 7520's text) or
 * a missing `typ` or one other than at+jwt is no signature verdict, so such tokens are split
 * here with the same rules `parseCompact` applies to the header and signature.
 */
export async function verifyJwsSignatureOnly(jws: string, keys: KeySource, allowedAlgs: ReadonlySet<string> = new Set(ALGORITHM_NAMES)): Promise<{ alg: Algorithm; parsed: ParsedJws }> {
  const parsed = parseForSignature(jws);
  const alg = parsed.header.alg;
  if (!isAlgorithm(alg) || !allowedAlgs.has(alg)) throw new AuthError('ALGORITHM_NOT_ALLOWED', 'the token "alg" is not allowed');
  const key = await getKey(keys, alg, parsed.header.kid);
  await verifySignature(parsed, alg, key.cryptoKey, key.signatureLength);
  return { alg, parsed };
}

function parseForSignature(token: string): ParsedJws {
  try {
    return parseCompact(token);
  } catch (error) {
    // only these two are not about the signature layer; every other verdict stands
    if (!isAuthError(error) || !(error.code === 'TOKEN_TYPE_INVALID' || (error.code === 'TOKEN_MALFORMED' && /payload is not (JSON|a JSON object|UTF-8)/.test(error.message)))) throw error;
  }
  if (token.length > MAX_TOKEN_LENGTH) throw malformed('oversized');
  const parts = token.split('.');
  if (parts.length !== 3) throw malformed('not three parts');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const headerBytes = decodeBase64url(headerPart);
  const headerText = headerBytes && decodeUtf8(headerBytes);
  let header: unknown;
  try {
    header = headerText === undefined ? undefined : JSON.parse(headerText);
  } catch {
    header = undefined;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw malformed('header is not a JSON object');
  const h = header as Record<string, unknown>;
  if (!decodeBase64url(payloadPart)) throw malformed('payload is not base64url');
  const signature = decodeBase64url(signaturePart);
  if (!signature) throw malformed('signature is not base64url');
  if (typeof h.alg !== 'string') throw malformed('no alg');
  if (h.kid !== undefined && typeof h.kid !== 'string') throw malformed('kid is not a string');
  // the same header rules parseCompact applies (RFC 7515 §4.1.11, RFC 7797 §3)
  if (Object.hasOwn(h, 'crit')) throw malformed('crit');
  if (Object.hasOwn(h, 'b64') && h.b64 !== true) throw malformed('b64');
  return { header: h as ParsedJws['header'], payload: {}, signingInput: encodeUtf8(`${headerPart}.${payloadPart}`), signature };
}

function malformed(message: string): AuthError {
  return new AuthError('TOKEN_MALFORMED', `signature layer: ${message}`);
}

/** What one check came to: `verified`, or the code it was rejected with. */
export type Verdict = 'verified' | AuthErrorCode | 'key-refused';

/** Runs `check` and turns an `AuthError` into its code; any other error is a bug and is rethrown. */
export async function verdictOf(check: () => Promise<unknown>): Promise<Verdict> {
  try {
    await check();
    return 'verified';
  } catch (error) {
    if (isAuthError(error)) return error.code;
    throw error;
  }
}

/** True when `error` is an `AuthError` whose status is the contract's for its code. */
export function hasContractStatus(error: unknown): error is AuthError {
  return isAuthError(error) && AUTH_ERROR_STATUS[error.code] === error.status;
}

/** Per-file tally of outcomes, printed once at the end of the file's `describe`. */
export class Tally {
  readonly counts = { validAccepted: 0, validRejected: 0, invalidRejected: 0, invalidAccepted: 0, acceptableAccepted: 0, acceptableRejected: 0 };
  /** Cases decided against the file's own label, by reason (e.g. "valid, e=3 key refused"). */
  readonly decided = new Map<string, number>();

  note(reason: string): void {
    this.decided.set(reason, (this.decided.get(reason) ?? 0) + 1);
  }

  add(result: string, verified: boolean): void {
    if (result === 'valid') this.counts[verified ? 'validAccepted' : 'validRejected']++;
    else if (result === 'invalid') this.counts[verified ? 'invalidAccepted' : 'invalidRejected']++;
    else this.counts[verified ? 'acceptableAccepted' : 'acceptableRejected']++;
  }

  line(name: string): string {
    const c = this.counts;
    const decided = [...this.decided].map(([reason, count]) => `${count} ${reason}`).join('; ');
    return `[vectors] ${name}: valid accepted ${c.validAccepted}, valid rejected ${c.validRejected}; invalid rejected ${c.invalidRejected}, invalid accepted ${c.invalidAccepted}; acceptable accepted ${c.acceptableAccepted}, acceptable rejected ${c.acceptableRejected}${decided ? ` (decided: ${decided})` : ''}`;
  }
}

/** Flips one bit in the middle of the signature segment of a compact JWS. */
export function flipSignatureBit(jws: string): string {
  const dot = jws.lastIndexOf('.');
  const signature = decodeBase64url(jws, dot + 1);
  if (!signature || signature.length === 0) throw new Error('no signature to flip');
  signature[signature.length >> 1]! ^= 0x01;
  return `${jws.slice(0, dot + 1)}${encodeBase64url(signature)}`;
}
