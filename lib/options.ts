/**
 * `VerifyAuthOptions`, their defaults, and `resolveOptions()`, which checks them
 * once and precomputes everything a request needs (issuer and audience sets,
 * the algorithm allow-list, the JWKS URL).
 * @module
 */
import type { ExpectedClaims } from './claims.js';
import { isCookieName } from './cookies.js';
import { ALGORITHM_NAMES, isAlgorithm, type Algorithm } from './jwk.js';

/** Options for every entry point; the contract's table. */
export interface VerifyAuthOptions {
  /** Logto endpoint, e.g. `https://tenant.logto.app`. Trailing slashes are trimmed. Required. */
  logtoUrl: string;
  /** API resource indicator(s); the token's `aud` must contain at least one. Required. */
  audience: string | string[];
  /** Cookie that carries the access token. Default: `logto_authtoken`. */
  cookieName?: string;
  /** Every listed scope must be in the token's space-separated `scope` claim. Default: none. */
  requiredScope?: string | string[];
  /** Guest mode: anonymous visitors and failed authentication get a guest context. Default: `false`. */
  allowGuest?: boolean;
  /** Cookie that carries the guest id. Default: `guest_logto_authtoken`. */
  guestCookieName?: string;
  /**
   * Require a Logto organization token: `true` for any organization, or the
   * organization id(s) allowed. Both of Logto's forms pass: an
   * `urn:logto:organization:<id>` audience (organization permissions) and an
   * API resource audience with `organization_id` (organization-level API
   * resources). Another or no organization is a 403 `ORGANIZATION_INVALID`.
   * Default: none (organization not checked).
   */
  requiredOrganization?: boolean | string | string[];
  /**
   * Remember tokens that passed verification, so the same token (a user's
   * cookie on every request) is answered without crypto. A token is remembered
   * from its second verification on (one seen once is only noted). A remembered token is
   * served only while it is inside `exp` and `nbf` with the current clock (same
   * `clockTolerance`), while the key that verified it is still in a fresh JWKS
   * (a key removed on rotation, or a JWKS past `jwksCacheTtl`, sends the token
   * through full verification), and only under the same options object.
   * Failures are never remembered. Process-wide bound: 1000 tokens and 1 MiB of
   * token characters. Each call gets its own `payload` object; nested values
   * (arrays, objects) are shared between calls and frozen. Default: `true`.
   */
  tokenCache?: boolean;
  /** Allow-list of JWS algorithms. `none` and every HS* are never accepted. Default: RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA. */
  algorithms?: string[];
  /** Leeway for `exp` and `nbf`, in seconds. Default: `0`. */
  clockTolerance?: number;
  /** How long a fetched JWKS is fresh, in milliseconds. Default: `300000` (5 minutes). */
  jwksCacheTtl?: number;
  /** Used for every JWKS request. Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Expected issuer(s), for custom domains and proxies. Default: `${logtoUrl}/oidc`. */
  issuer?: string | string[];
  /** JWKS URL, e.g. an internal address of the same Logto. Default: `${logtoUrl}/oidc/jwks`. */
  jwksUri?: string;
}

/** The contract's defaults, in one place. */
export const DEFAULTS = Object.freeze({
  /** Default: `logto_authtoken`. */
  cookieName: 'logto_authtoken',
  /** Default: `guest_logto_authtoken`. */
  guestCookieName: 'guest_logto_authtoken',
  /** Default: `false`. */
  allowGuest: false,
  /** Default: all ten asymmetric algorithms. */
  algorithms: ALGORITHM_NAMES,
  /** Default: `0` seconds. */
  clockTolerance: 0,
  /** Default: `true`. */
  tokenCache: true,
  /** Default: `300000` (5 minutes). */
  jwksCacheTtl: 300_000,
});

/** Options checked and precomputed; what every module below `verify.ts` receives. */
export interface ResolvedOptions {
  issuer: string;
  jwksUri: string;
  algorithms: ReadonlySet<Algorithm>;
  expected: ExpectedClaims;
  cookieName: string;
  guestCookieName: string;
  allowGuest: boolean;
  tokenCache: boolean;
  jwksCacheTtl: number;
  fetch: typeof fetch | undefined;
}

// Options objects are read once: the resolved form is kept beside the object
// so a request pays for no string trimming, URL parsing or Set building.
const resolvedCache = new WeakMap<object, ResolvedOptions>();

/** Checks options and precomputes their derived values; throws `TypeError` for bad options. */
export function resolveOptions(options: VerifyAuthOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('logto-authkit: options must be an object');
  const cached = resolvedCache.get(options);
  if (cached) return cached;
  const resolved = resolve(options);
  resolvedCache.set(options, resolved);
  return resolved;
}

function resolve(options: VerifyAuthOptions): ResolvedOptions {
  const logtoUrl = parseHttpUrl(options.logtoUrl, 'logtoUrl').replace(/\/+$/, '');
  const issuers = options.issuer === undefined ? [`${logtoUrl}/oidc`] : nonEmptyStrings(options.issuer, 'issuer');
  const jwksUri = options.jwksUri === undefined ? `${logtoUrl}/oidc/jwks` : parseHttpUrl(options.jwksUri, 'jwksUri');
  const audiences = nonEmptyStrings(options.audience, 'audience');
  // an empty list requires nothing, like no requiredScope at all
  const requiredScopes = options.requiredScope === undefined || (Array.isArray(options.requiredScope) && options.requiredScope.length === 0) ? [] : nonEmptyStrings(options.requiredScope, 'requiredScope');
  if (requiredScopes.some((scope) => scope.includes(' '))) throw new TypeError('logto-authkit: each requiredScope must be a single scope without spaces');

  if (options.algorithms !== undefined && !Array.isArray(options.algorithms)) throw new TypeError('logto-authkit: algorithms must be an array of algorithm names');
  // `none` and HS* are not in the table, so they fall out here whatever was passed
  const algorithms = new Set((options.algorithms ?? DEFAULTS.algorithms).filter(isAlgorithm));

  const clockTolerance = options.clockTolerance ?? DEFAULTS.clockTolerance;
  if (typeof clockTolerance !== 'number' || !(clockTolerance >= 0) || !Number.isFinite(clockTolerance)) throw new TypeError('logto-authkit: clockTolerance must be a number of seconds >= 0');
  const jwksCacheTtl = options.jwksCacheTtl ?? DEFAULTS.jwksCacheTtl;
  if (typeof jwksCacheTtl !== 'number' || !(jwksCacheTtl >= 0)) throw new TypeError('logto-authkit: jwksCacheTtl must be a number of milliseconds >= 0');
  if (options.tokenCache !== undefined && typeof options.tokenCache !== 'boolean') throw new TypeError('logto-authkit: tokenCache must be a boolean');
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new TypeError('logto-authkit: fetch must be a function');

  const organization = organizationOption(options.requiredOrganization);
  const cookieName = cookieNameOption(options.cookieName, DEFAULTS.cookieName, 'cookieName');
  const guestCookieName = cookieNameOption(options.guestCookieName, DEFAULTS.guestCookieName, 'guestCookieName');

  return Object.freeze({
    issuer: issuers[0]!,
    jwksUri,
    algorithms,
    expected: Object.freeze({ issuers: new Set(issuers), audiences: new Set(audiences), requiredScopes: Object.freeze(requiredScopes), clockToleranceSec: clockTolerance, organization }),
    cookieName,
    guestCookieName,
    allowGuest: options.allowGuest === true,
    tokenCache: options.tokenCache ?? DEFAULTS.tokenCache,
    jwksCacheTtl,
    fetch: options.fetch,
  });
}

function parseHttpUrl(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`logto-authkit: ${name} is required and must be an http(s) URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`logto-authkit: ${name} must be an http(s) URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`logto-authkit: ${name} must be an http(s) URL`);
  return value;
}

function nonEmptyStrings(value: unknown, name: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string' && item !== '')) {
    throw new TypeError(`logto-authkit: ${name} must be a non-empty string or a non-empty array of non-empty strings`);
  }
  return [...list];
}

function cookieNameOption(value: unknown, fallback: string, name: string): string {
  if (value === undefined) return fallback;
  if (!isCookieName(value)) throw new TypeError(`logto-authkit: ${name} must be a valid cookie name (RFC 6265 §4.1.1)`);
  return value;
}

function organizationOption(value: unknown): { ids: ReadonlySet<string> } | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { ids: new Set() };
  return { ids: new Set(nonEmptyStrings(value, 'requiredOrganization')) };
}
