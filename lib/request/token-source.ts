/**
 * Finds the access token in whatever the caller hands us: a token string, a
 * Fetch `Request` (Next's `NextRequest` included), a Node or Express `req`, or
 * a plain `{ headers, cookies }`. The cookie comes first, then
 * `Authorization: Bearer`; the first one found is the token.
 * The request shapes are small structural interfaces: nothing is imported.
 * @module
 */
import { parseCookieHeader } from './cookies.js';
import { AuthError } from '../errors.js';

/** Headers as a Fetch `Headers` or a record (Node's `IncomingMessage.headers`). */
export type HeadersLike = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

/** Parsed cookies: a record (cookie-parser's `req.cookies`) or Next's `RequestCookies`. */
export type CookiesLike = { get(name: string): string | { name: string; value: string } | undefined } | Record<string, unknown>;

/** Any request shape `verifyAuth` takes besides a token string. */
export interface RequestLike {
  headers: HeadersLike;
  cookies?: CookiesLike;
  /** Fetch `Request` URL; `https:` makes the guest cookie `Secure`. */
  url?: string;
  /** Express `req.secure`. */
  secure?: boolean;
  /** Node `req.socket`; a TLS socket has `encrypted: true`. */
  socket?: object | null;
}

/** A token string or a request. */
export type AuthInput = string | RequestLike;

/** What one request carries that authentication needs. */
export interface RequestCredentials {
  /**
   * The access token: the cookie `cookieName`, else `Authorization: Bearer`;
   * `undefined` when neither has one. Throws `TOKEN_MALFORMED` for a Bearer
   * header without one well-formed token (RFC 6750 §2.1).
   */
  token(cookieName: string | undefined): string | undefined;
  /** Reads another cookie of the same request (the guest id). */
  cookie(name: string): string | undefined;
  /** Whether the request came over https. */
  secure: boolean;
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Reads the credentials of `input`; throws `TypeError` for an input of no known shape. */
export function readCredentials(input: AuthInput): RequestCredentials {
  if (typeof input === 'string') return { token: () => (input === '' ? undefined : input), cookie: () => undefined, secure: false };
  if (typeof input !== 'object' || input === null || typeof input.headers !== 'object' || input.headers === null) {
    throw new TypeError('logto-authkit: expected a token string, a Request, a Node/Express request or { headers, cookies }');
  }
  let parsed: Record<string, string> | undefined;
  const cookie = (name: string): string | undefined => {
    const fromObject = input.cookies ? cookieFromObject(input.cookies, name) : undefined;
    if (fromObject !== undefined) return fromObject;
    parsed ??= parseCookieHeader(headerValue(input.headers, 'cookie') ?? '');
    const value = parsed[name];
    return value === '' ? undefined : value;
  };
  const token = (cookieName: string | undefined) => (cookieName === undefined ? undefined : cookie(cookieName)) ?? bearerToken(headerValue(input.headers, 'authorization'));
  return { token, cookie, secure: isSecure(input) };
}

function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const space = authorization.indexOf(' ');
  const scheme = space === -1 ? authorization : authorization.slice(0, space);
  // RFC 9110 §11.1: the scheme is case-insensitive; another scheme (Basic, DPoP) carries no bearer token
  if (scheme.toLowerCase() !== 'bearer') return undefined;
  let start = space + 1;
  while (space !== -1 && authorization.charCodeAt(start) === 0x20) start++; // 1*SP
  const credentials = space === -1 ? '' : authorization.slice(start);
  if (!B64TOKEN.test(credentials)) {
    throw new AuthError('TOKEN_MALFORMED', 'the Authorization header uses the Bearer scheme without one well-formed token');
  }
  return credentials;
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
    // Node joins repeated Cookie fields itself; two Authorization fields are ambiguous
    if (name === 'cookie') return value.join('; ');
    if (value.length > 1) throw new AuthError('TOKEN_MALFORMED', 'the request has more than one Authorization header');
    value = value[0];
  }
  return typeof value === 'string' ? value : undefined;
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
  if (typeof input.secure === 'boolean') return input.secure;
  if (typeof input.url === 'string' && input.url.startsWith('https:')) return true;
  return (input.socket as { encrypted?: unknown } | null | undefined)?.encrypted === true;
}
