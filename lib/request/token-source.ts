/**
 * Finds the access token in whatever the caller hands us: a token string, a
 * Fetch `Request` (Next's `NextRequest` included), a Node or Express `req`, or
 * a plain `{ headers, cookies, method? }`. Two sources, read separately so the
 * pipeline can fall back from one to the other: the cookie, then
 * `Authorization: Bearer`. Also what the cross-origin check needs: the method,
 * `Origin`, `Sec-Fetch-Site` and `Host`.
 * The request shapes are small structural interfaces: nothing is imported.
 * @module
 */
import { readCookie } from './cookies.js';
import type { CrossOriginFacts } from './cross-origin.js';
import { AuthError } from '../errors.js';

/** Headers as a Fetch `Headers` or a record (Node's `IncomingMessage.headers`). */
export type HeadersLike = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

/** Parsed cookies: a record (cookie-parser's `req.cookies`) or Next's `RequestCookies`. */
export type CookiesLike = { get(name: string): string | { name: string; value: string } | undefined } | Record<string, unknown>;

/** Any request shape `verifyAuth` takes besides a token string. */
export interface RequestLike {
  headers: HeadersLike;
  cookies?: CookiesLike;
  /** The HTTP method; without one, the cross-origin check does not run. */
  method?: string;
  /** Fetch `Request` URL (absolute: its host stands in for a missing `Host`); `https:` makes the guest cookie `Secure`. */
  url?: string;
  /** Express `req.secure`. */
  secure?: boolean;
  /** Node `req.socket`; a TLS socket has `encrypted: true`. */
  socket?: object | null;
  /** Node >= 18.3 `req.headersDistinct`: every field of a name, where `headers` keeps only the first `Authorization`; read when `rawHeaders` is absent. */
  headersDistinct?: Record<string, string[] | undefined>;
  /** Node `req.rawHeaders`: names and values alternating, as received. */
  rawHeaders?: string[];
}

/** A token string or a request. */
export type AuthInput = string | RequestLike;

/** What one request carries that authentication needs. */
export interface RequestCredentials {
  /**
   * The token in the cookie `cookieName` (the first one of that name in the
   * `Cookie` header); `undefined` when there is none or `cookieName` is
   * `undefined` (header-only mode).
   */
  cookieToken(cookieName: string | undefined): string | undefined;
  /**
   * The token of `Authorization: Bearer`; `undefined` when there is no such
   * header. Throws `TOKEN_MALFORMED` for a Bearer header without one
   * well-formed token (RFC 6750 §2.1) and for two `Authorization` fields.
   * `isWellFormed(scope, token)` may vouch for a token known to be
   * well-formed (one the token cache remembers under `scope`), so its
   * characters are not scanned again.
   */
  bearerToken(isWellFormed?: (scope: object, token: string) => boolean, scope?: object): string | undefined;
  /** Reads another cookie of the same request (the guest id). */
  cookie(name: string): string | undefined;
  /** What the cross-origin check reads; `undefined` for an input without a method (a token string included). */
  crossOriginFacts(): CrossOriginFacts | undefined;
  /** Whether the request came over https (read when a guest cookie is set: Express's req.secure walks its trust-proxy settings). */
  isSecure(): boolean;
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Reads the credentials of `input`; throws `TypeError` for an input of no known shape. */
export function readCredentials(input: AuthInput): RequestCredentials {
  if (typeof input === 'string') return new TokenCredentials(input);
  if (typeof input !== 'object' || input === null || typeof input.headers !== 'object' || input.headers === null) {
    throw new TypeError('logto-authkit: expected a token string, a Request, a Node/Express request or { headers, cookies }');
  }
  return new RequestReader(input);
}

// A token string: no cookie, no cross-origin facts.
class TokenCredentials implements RequestCredentials {
  constructor(private readonly token: string) {}
  cookieToken(): undefined {
    return undefined;
  }
  bearerToken(): string | undefined {
    return this.token === '' ? undefined : this.token;
  }
  cookie(): undefined {
    return undefined;
  }
  crossOriginFacts(): undefined {
    return undefined;
  }
  isSecure(): boolean {
    return false;
  }
}

// A request, read lazily: a field is looked up only when the pipeline asks for
// it, and methods on a class cost no closures per request (a cache hit on a
// Bearer header reads one header and nothing else).
class RequestReader implements RequestCredentials {
  // the Cookie header: undefined until read, null when the request has none
  private cookieHeader: string | null | undefined;
  constructor(private readonly input: RequestLike) {}

  isSecure(): boolean {
    return isSecure(this.input);
  }

  cookieToken(cookieName: string | undefined): string | undefined {
    return cookieName === undefined ? undefined : this.cookie(cookieName);
  }

  bearerToken(isWellFormed?: (scope: object, token: string) => boolean, scope?: object): string | undefined {
    return bearerToken(authorizationValue(this.input), isWellFormed, scope);
  }

  cookie(name: string): string | undefined {
    // the raw header, when there is one, is the only source: it keeps every
    // duplicate in order, so the first one wins on every runtime (Next's
    // RequestCookies keeps the last one, and reads "name" without "=" as "true")
    if (this.cookieHeader === undefined) this.cookieHeader = headerValue(this.input.headers, 'cookie') ?? null;
    if (this.cookieHeader === null) return this.input.cookies ? cookieFromObject(this.input.cookies, name) : undefined;
    const value = readCookie(this.cookieHeader, name);
    // a hand-built { headers, cookies } record may hold a cookie its header does not (Next's
    // RequestCookies, a get() object, is never asked: it is the header read another way)
    if (value === undefined && this.input.cookies && typeof this.input.cookies.get !== 'function') return cookieFromObject(this.input.cookies, name);
    return value === '' ? undefined : value;
  }

  crossOriginFacts(): CrossOriginFacts | undefined {
    return crossOriginFacts(this.input);
  }
}

// `isWellFormed` may vouch for a token already known to be a well-formed JWT
// (one the token cache remembers: it passed parseCompact, whose base64url and
// dots are b64token characters), which skips a scan of every character.
function bearerToken(authorization: string | undefined, isWellFormed?: (scope: object, token: string) => boolean, scope?: object): string | undefined {
  if (authorization === undefined) return undefined;
  const space = authorization.indexOf(' ');
  // RFC 9110 §11.1: the scheme is case-insensitive; another scheme (Basic, DPoP) carries no bearer token
  if (!isBearerScheme(authorization, space === -1 ? authorization.length : space)) return undefined;
  let start = space + 1;
  while (space !== -1 && authorization.charCodeAt(start) === 0x20) start++; // 1*SP
  const credentials = space === -1 ? '' : authorization.slice(start);
  if (!(isWellFormed !== undefined && scope !== undefined && isWellFormed(scope, credentials)) && !B64TOKEN.test(credentials)) {
    throw new AuthError('TOKEN_MALFORMED', 'the Authorization header uses the Bearer scheme without one well-formed token');
  }
  return credentials;
}

// "Bearer" as sent by nearly every client needs no lower-cased copy
function isBearerScheme(value: string, end: number): boolean {
  return end === 6 && (value.startsWith('Bearer') || value.slice(0, 6).toLowerCase() === 'bearer');
}

function headerValue(headers: HeadersLike, name: string): string | undefined {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  let value = Object.hasOwn(record, name) ? record[name] : undefined;
  if (value === undefined) {
    // a hand-built record may capitalise names; header names are case-insensitive (RFC 9110 §5.1)
    for (const key of Object.keys(record)) if (key.toLowerCase() === name) value = record[key];
  }
  if (Array.isArray(value)) {
    // Node joins repeated Cookie fields itself; two Authorization fields are
    // ambiguous; others are combined as RFC 9110 §5.3 says (and Fetch's Headers does)
    if (name === 'cookie') return value.join('; ');
    if (name === 'authorization' && value.length > 1) throw duplicateAuthorization();
    value = value.length === 0 ? undefined : value.join(', ');
  }
  return typeof value === 'string' ? value : undefined;
}

// Node's req.headers keeps only the first of several Authorization fields; a
// proxy that authorizes on the last one would then see another user than the app.
// Looked for only when there is an Authorization field, in rawHeaders first:
// a plain array, where Node's headersDistinct getter builds an object of every
// header (about 8 µs of server CPU per request over HTTP, measured).
function authorizationValue(input: RequestLike): string | undefined {
  const value = headerValue(input.headers, 'authorization');
  if (value !== undefined && authorizationFields(input) > 1) throw duplicateAuthorization();
  return value;
}

function authorizationFields(input: RequestLike): number {
  const raw = input.rawHeaders;
  if (Array.isArray(raw)) {
    let fields = 0;
    // 13 = 'authorization'.length: most names are skipped without lowercasing them
    for (let i = 0; i < raw.length; i += 2) if (raw[i]?.length === 13 && String(raw[i]).toLowerCase() === 'authorization') fields++;
    return fields;
  }
  const distinct = input.headersDistinct;
  if (typeof distinct !== 'object' || distinct === null || !Object.hasOwn(distinct, 'authorization')) return 1;
  return Array.isArray(distinct.authorization) ? distinct.authorization.length : 1;
}

function duplicateAuthorization(): AuthError {
  return new AuthError('TOKEN_MALFORMED', 'the request has more than one Authorization header');
}

function crossOriginFacts(input: RequestLike): CrossOriginFacts | undefined {
  if (typeof input.method !== 'string') return undefined;
  return {
    method: input.method,
    origin: headerValue(input.headers, 'origin'),
    secFetchSite: headerValue(input.headers, 'sec-fetch-site'),
    host: headerValue(input.headers, 'host') ?? authority(input.headers) ?? hostOfUrl(input.url),
  };
}

// RFC 9113 §8.3.1: a Node HTTP/2 request may carry :authority instead of Host
// (a pseudo-header: only in a record, Fetch Headers refuses the name)
function authority(headers: HeadersLike): string | undefined {
  return typeof headers.get === 'function' ? undefined : headerValue(headers, ':authority');
}

// a Fetch Request's URL is absolute; a Node req.url is only the path
function hostOfUrl(url: string | undefined): string | undefined {
  if (typeof url !== 'string' || !URL.canParse(url)) return undefined;
  return new URL(url).host || undefined;
}

function cookieFromObject(cookies: CookiesLike, name: string): string | undefined {
  let value: unknown;
  if (typeof cookies.get === 'function') {
    value = (cookies as { get(name: string): unknown }).get(name);
    if (typeof value === 'object' && value !== null) value = (value as { value?: unknown }).value;
  } else {
    value = Object.hasOwn(cookies, name) ? (cookies as Record<string, unknown>)[name] : undefined;
  }
  // cookie-parser turns "j:{...}" into an object: not a token, so the raw header decides
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isSecure(input: RequestLike): boolean {
  const secure = input.secure; // once: Express's req.secure is a getter that walks its settings
  if (typeof secure === 'boolean') return secure;
  if (typeof input.url === 'string' && input.url.startsWith('https:')) return true;
  return (input.socket as { encrypted?: unknown } | null | undefined)?.encrypted === true;
}
