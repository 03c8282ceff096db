/**
 * `VerifyAuthOptions`, their defaults, and `resolveOptions()`, which checks them
 * once and precomputes everything a request needs (issuer and audience sets,
 * the algorithm allow-list, the JWKS URL).
 * @module
 */
import type { ExpectedClaims } from './jose/claims.js';
import { hasCallerPolicy, type AcceptsToken, type ActorPolicy, type CallerPolicy } from './jose/caller.js';
import { isCookieName } from './request/cookies.js';
import type { AuthEvent } from './events.js';
import type { Store } from './stores/store.js';
import { ALGORITHM_NAMES, isAlgorithm, type Algorithm } from './jose/jwk.js';

/** Options for every entry point; the contract's table. */
export interface VerifyAuthOptions {
  /** Logto endpoint, e.g. `https://tenant.logto.app`. Trailing slashes are trimmed. Required. */
  logtoUrl: string;
  /** API resource indicator(s); the token's `aud` must contain at least one. Required. */
  audience: string | string[];
  /** Cookie that carries the access token; `false` reads the `Authorization` header only. Default: `logto_authtoken`. */
  cookieName?: string | false;
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
  /**
   * Origins (`https://app.example.com`) allowed to send cookie-authenticated
   * unsafe requests cross-origin (cross-origin protection). Default: `[]`.
   */
  trustedOrigins?: string[];
  /**
   * Cross-origin protection for cookie-borne tokens on unsafe methods
   * (`CSRF_REJECTED`). `false` turns it off: only do that when another layer
   * (a CSRF token, SameSite=Strict cookies only) already protects you. Default: `true`.
   */
  csrfProtection?: boolean;
  /**
   * Oldest token accepted, in seconds since its `iat`: a token without `iat`,
   * older than this, or issued in the future beyond `clockTolerance` is
   * refused (`TOKEN_EXPIRED`, `TOKEN_MALFORMED` or `TOKEN_NOT_YET_VALID`).
   * Default: none (only `exp` bounds a token).
   */
  maxTokenAge?: number;
  /** Extra request headers for every JWKS request (some gateways demand a `User-Agent`). Default: none. */
  jwksRequestHeaders?: Record<string, string>;
  /**
   * Called synchronously for every event (verified, rejected, JWKS fetched,
   * stale keys served, backoff, token revoked). Never receives a token,
   * signature or key material. An exception it throws is swallowed.
   * Default: none (no cost).
   */
  onEvent?: (event: AuthEvent) => void;
  /**
   * A shared store (`stores/`): a verified JWKS is written to it and an
   * instance with a cold cache reads it before asking Logto; the unknown-`kid`
   * refetch cooldown is shared through it. A failing store never fails a
   * request (Logto is asked instead; a `store-error` event is emitted).
   * Default: none (each process fetches for itself).
   */
  store?: Store;
  /**
   * Describe this API as an OAuth protected resource (RFC 9728): what
   * `resourceMetadataHandler` serves at `/.well-known/oauth-protected-resource`,
   * and the `resource_metadata="<url>"` every Bearer challenge then carries
   * (RFC 9728 §5.1), so a client (an MCP client, say) finds Logto from a 401.
   * `true` takes every default. Default: none (no metadata, plain challenges).
   */
  resourceMetadata?: true | ResourceMetadataOptions;
  /**
   * A revocation list (`createRevocationList`): a verified token it names (its
   * `jti`, its `sub` when issued before the revocation, its `sid`) is refused
   * with 401 `TOKEN_REVOKED`, on verified-token cache hits too. Checked in
   * memory, no I/O per request. Default: none (a token stays valid until `exp`).
   */
  revocation?: RevocationCheck;
  /**
   * Which tokens the middleware accepts: `user` (a person signed in through an
   * app), `machine` (a machine-to-machine app for itself: `sub === client_id`)
   * or `any`. Another type is a 403 `TOKEN_TYPE_NOT_ACCEPTED`. Default: `any`,
   * because in Logto a machine token for this API carries only the
   * permissions an admin granted that app through its roles, as a user token
   * carries a user's; set `user` on an API that is for people only, or use the
   * `requireUser()` guard per route.
   */
  acceptsToken?: AcceptsToken;
  /**
   * The clients (`client_id`: an app id, or the `https://` URL of an MCP
   * client's metadata document) whose tokens are accepted, compared exactly.
   * Another client, or a token without `client_id`, is a 403
   * `CLIENT_NOT_ALLOWED`; the list never goes into an HTTP answer. Default:
   * none (any client).
   */
  allowedClients?: string[];
  /**
   * Tokens that name an actor (`act`, RFC 8693 §4.1: Logto's token exchange,
   * for impersonation and delegation): `allow` them (the chain is in
   * `auth.actors` and in `verified` events), `refuse` them, or `require` one.
   * A refusal is a 403 `ACTOR_INVALID`. Default: `allow`, since Logto issues
   * such a token only to an app the tenant enabled token exchange for.
   */
  actorPolicy?: ActorPolicy;
}

/**
 * What verification asks of a revocation list. `createRevocationList` makes
 * one; declared here, structurally, so the options know no implementation.
 */
export interface RevocationCheck {
  /**
   * Why verified claims are refused now: `jti`, `sub`, `sid`, `all`, `org`, `scope` or `member` when revoked,
   * `unavailable` when the list fails closed; `undefined` when they pass.
   * Synchronous, no I/O. `clockToleranceSec`: the options' `clockTolerance`,
   * for comparing `iat` with a revocation's time; `now`: the clock (ms), read
   * once by the pipeline.
   */
  check(payload: Readonly<Record<string, unknown>>, clockToleranceSec?: number, now?: number): 'jti' | 'sub' | 'sid' | 'all' | 'org' | 'scope' | 'member' | 'unavailable' | undefined;
}

/** The parts of the RFC 9728 §2 document an app chooses; `authorization_servers` is always the issuer. */
export interface ResourceMetadataOptions {
  /** This API's resource identifier: an https URL without fragment (http is accepted for local development). Default: the first `audience`. */
  resource?: string;
  /** `scopes_supported`: the scopes a client may ask for to call this API. Default: omitted. */
  scopesSupported?: string[];
  /** `resource_name`: a human-readable name. Default: omitted. */
  resourceName?: string;
  /** `resource_documentation`: a URL of documentation for developers. Default: omitted. */
  resourceDocumentation?: string;
}

/** `resourceMetadata` checked, with the URL its document lives at (RFC 9728 §3.1). */
export interface ResolvedResourceMetadata {
  resource: string;
  /** `${origin}/.well-known/oauth-protected-resource${path}` of `resource`. */
  url: string;
  scopesSupported: readonly string[] | undefined;
  resourceName: string | undefined;
  resourceDocumentation: string | undefined;
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
  /** Default: `[]`. */
  trustedOrigins: Object.freeze([] as string[]),
  /** Default: `true`. */
  csrfProtection: true,
});

/** Options checked and precomputed; what every module below `verify.ts` receives. */
export interface ResolvedOptions {
  issuer: string;
  jwksUri: string;
  algorithms: ReadonlySet<Algorithm>;
  expected: ExpectedClaims;
  /** `undefined` in header-only mode (`cookieName: false`). */
  cookieName: string | undefined;
  guestCookieName: string;
  allowGuest: boolean;
  tokenCache: boolean;
  jwksCacheTtl: number;
  fetch: typeof fetch | undefined;
  /** Exact origins (scheme://host[:port], lower case) trusted by the cross-origin check. */
  trustedOrigins: ReadonlySet<string>;
  csrfProtection: boolean;
  jwksRequestHeaders: Readonly<Record<string, string>> | undefined;
  onEvent: ((event: AuthEvent) => void) | undefined;
  store: Store | undefined;
  resourceMetadata: ResolvedResourceMetadata | undefined;
  revocation: RevocationCheck | undefined;
}

/** Every option a user may set, in one order: the snapshot below compares them (spec/options.spec.ts changes each in turn). */
export const OPTION_KEYS = [
  'logtoUrl', 'audience', 'cookieName', 'requiredScope', 'allowGuest', 'guestCookieName', 'requiredOrganization', 'tokenCache',
  'algorithms', 'clockTolerance', 'jwksCacheTtl', 'fetch', 'issuer', 'jwksUri', 'trustedOrigins', 'csrfProtection', 'maxTokenAge',
  'jwksRequestHeaders', 'onEvent', 'store', 'resourceMetadata', 'revocation',
  'acceptsToken', 'allowedClients', 'actorPolicy',
] as const satisfies readonly (keyof VerifyAuthOptions)[];

interface Resolution {
  resolved: ResolvedOptions;
  /** The option values resolved from, by reference (`snapshotOf`). */
  seen: Snapshot;
  /** Array and record options copied, by OPTION_KEYS index: what an in-place change is compared with. */
  copies: readonly (readonly [index: number, copy: unknown])[];
}

// The resolved form is kept beside the options object, so a request pays for no
// string trimming, URL parsing or Set building. It is served only while the
// object still holds what it was resolved from: a changed option (a property
// set, an array or header record changed in place) is resolved again, so a
// mutation never goes unseen (fail-open).
const resolutions = new WeakMap<object, Resolution>();

/**
 * Checks options and precomputes their derived values; throws `TypeError` for
 * bad options. Plain functions pass the user's object each call and get the
 * cached resolution while the object is unchanged; factories pass
 * `{ fresh: true }` and keep what they got (a later change never reaches a
 * middleware already made, nor leaks into the next factory call).
 */
export function resolveOptions(options: VerifyAuthOptions, how?: { fresh: true }): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  if (how?.fresh) return resolve(options);
  const cached = resolutions.get(options);
  if (cached && isUnchanged(options, cached)) return cached.resolved;
  const resolved = resolve(options);
  const seen = snapshotOf(options);
  const copies: [number, unknown][] = [];
  OPTION_KEYS.forEach((key, index) => {
    const value = options[key];
    if (Array.isArray(value)) copies.push([index, [...value]]);
    else if (isRecord(value)) copies.push([index, { ...value }]);
  });
  resolutions.set(options, { resolved, seen, copies });
  return resolved;
}

type Snapshot = { readonly [K in (typeof OPTION_KEYS)[number]]: unknown };

// Every option read by name, written out: a read by a computed name from
// OPTION_KEYS missed V8's inline caches (an option left out is a missing
// property, looked up the slow way) and cost a fifth of a cache hit (issue 25);
// a named read of the same object shape is a few instructions. Options added to
// OPTION_KEYS but not written out here are still compared, by the loop over REST.
function snapshotOf(o: VerifyAuthOptions): Snapshot {
  const snapshot = writtenOut(o) as Record<string, unknown>;
  for (const key of REST) snapshot[key] = o[key];
  return snapshot as Snapshot;
}

function writtenOut(o: VerifyAuthOptions): Snapshot {
  return {
    logtoUrl: o.logtoUrl, audience: o.audience, cookieName: o.cookieName, requiredScope: o.requiredScope, allowGuest: o.allowGuest,
    guestCookieName: o.guestCookieName, requiredOrganization: o.requiredOrganization, tokenCache: o.tokenCache, algorithms: o.algorithms,
    clockTolerance: o.clockTolerance, jwksCacheTtl: o.jwksCacheTtl, fetch: o.fetch, issuer: o.issuer, jwksUri: o.jwksUri,
    trustedOrigins: o.trustedOrigins, csrfProtection: o.csrfProtection, maxTokenAge: o.maxTokenAge, jwksRequestHeaders: o.jwksRequestHeaders,
    onEvent: o.onEvent, store: o.store, resourceMetadata: o.resourceMetadata, revocation: o.revocation,
    acceptsToken: o.acceptsToken, allowedClients: o.allowedClients, actorPolicy: o.actorPolicy,
  } as Snapshot;
}

const WRITTEN_OUT: readonly string[] = Object.keys(writtenOut({} as VerifyAuthOptions));
const REST = OPTION_KEYS.filter((key) => !WRITTEN_OUT.includes(key));

function isUnchanged(o: VerifyAuthOptions, { seen: s, copies }: Resolution): boolean {
  if (
    o.logtoUrl !== s.logtoUrl || o.audience !== s.audience || o.cookieName !== s.cookieName || o.requiredScope !== s.requiredScope || o.allowGuest !== s.allowGuest ||
    o.guestCookieName !== s.guestCookieName || o.requiredOrganization !== s.requiredOrganization || o.tokenCache !== s.tokenCache || o.algorithms !== s.algorithms ||
    o.clockTolerance !== s.clockTolerance || o.jwksCacheTtl !== s.jwksCacheTtl || o.fetch !== s.fetch || o.issuer !== s.issuer || o.jwksUri !== s.jwksUri ||
    o.trustedOrigins !== s.trustedOrigins || o.csrfProtection !== s.csrfProtection || o.maxTokenAge !== s.maxTokenAge || o.jwksRequestHeaders !== s.jwksRequestHeaders ||
    o.onEvent !== s.onEvent || o.store !== s.store || o.resourceMetadata !== s.resourceMetadata || o.revocation !== s.revocation ||
    o.acceptsToken !== s.acceptsToken || o.allowedClients !== s.allowedClients || o.actorPolicy !== s.actorPolicy
  ) return false;
  for (const key of REST) if (o[key] !== (s as Record<string, unknown>)[key]) return false;
  // the same array or record as before: compared with its copy, member by member
  for (const [index, copy] of copies) {
    const value = o[OPTION_KEYS[index]!];
    if (Array.isArray(value) ? !sameItems(value, copy as unknown[]) : !sameRecord(value as Record<string, unknown>, copy as Record<string, unknown>)) return false;
  }
  return true;
}

function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameRecord(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

// only plain objects (the headers record) are compared member by member; a
// function, a store client or a Set is compared by identity
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

// every bad option is a TypeError with the package's prefix; one helper keeps
// the call sites short in the bundle (the messages are unchanged)
function invalid(message: string): TypeError {
  return new TypeError(`logto-authkit: ${message}`);
}

function optionalOfType(options: VerifyAuthOptions, name: 'tokenCache' | 'fetch' | 'csrfProtection' | 'onEvent', type: 'boolean' | 'function'): void {
  if (options[name] !== undefined && typeof options[name] !== type) throw invalid(`${name} must be a ${type}`);
}

function resolve(options: VerifyAuthOptions): ResolvedOptions {
  const logtoUrl = logtoUrlOption(options.logtoUrl);
  const issuers = options.issuer === undefined ? [`${logtoUrl}/oidc`] : nonEmptyStrings(options.issuer, 'issuer');
  const jwksUri = options.jwksUri === undefined ? `${logtoUrl}/oidc/jwks` : parseHttpUrl(options.jwksUri, 'jwksUri');
  const audiences = nonEmptyStrings(options.audience, 'audience');
  // an empty list requires nothing, like no requiredScope at all
  const requiredScopes = options.requiredScope === undefined || (Array.isArray(options.requiredScope) && options.requiredScope.length === 0) ? [] : nonEmptyStrings(options.requiredScope, 'requiredScope');
  if (requiredScopes.some((scope) => scope.includes(' '))) throw invalid('each requiredScope must be a single scope without spaces');

  const algorithms = algorithmsOption(options.algorithms);

  const clockTolerance = options.clockTolerance ?? DEFAULTS.clockTolerance;
  if (typeof clockTolerance !== 'number' || !(clockTolerance >= 0) || !Number.isFinite(clockTolerance)) throw invalid('clockTolerance must be a number of seconds >= 0');
  const jwksCacheTtl = options.jwksCacheTtl ?? DEFAULTS.jwksCacheTtl;
  if (typeof jwksCacheTtl !== 'number' || !(jwksCacheTtl >= 0)) throw invalid('jwksCacheTtl must be a number of milliseconds >= 0');
  optionalOfType(options, 'tokenCache', 'boolean');
  optionalOfType(options, 'fetch', 'function');
  optionalOfType(options, 'csrfProtection', 'boolean');
  optionalOfType(options, 'onEvent', 'function');
  if (options.revocation !== undefined && typeof options.revocation?.check !== 'function') throw invalid('revocation must be a revocation list made by createRevocationList');
  const maxTokenAge = options.maxTokenAge;
  if (maxTokenAge !== undefined && (typeof maxTokenAge !== 'number' || !(maxTokenAge > 0) || !Number.isFinite(maxTokenAge))) throw invalid('maxTokenAge must be a number of seconds > 0');

  const organization = organizationOption(options.requiredOrganization);
  const cookieName = options.cookieName === false ? undefined : cookieNameOption(options.cookieName, DEFAULTS.cookieName, 'cookieName');
  const guestCookieName = cookieNameOption(options.guestCookieName, DEFAULTS.guestCookieName, 'guestCookieName');

  return Object.freeze({
    issuer: issuers[0]!,
    jwksUri,
    algorithms,
    expected: Object.freeze({ issuers: new Set(issuers), audiences: new Set(audiences), requiredScopes: Object.freeze(requiredScopes), clockToleranceSec: clockTolerance, organization, maxTokenAgeSec: maxTokenAge, caller: callerOption(options) }),
    cookieName,
    guestCookieName,
    allowGuest: options.allowGuest === true,
    tokenCache: options.tokenCache ?? DEFAULTS.tokenCache,
    jwksCacheTtl,
    fetch: options.fetch,
    trustedOrigins: trustedOriginsOption(options.trustedOrigins),
    csrfProtection: options.csrfProtection ?? DEFAULTS.csrfProtection,
    jwksRequestHeaders: headersOption(options.jwksRequestHeaders),
    onEvent: options.onEvent,
    store: storeOption(options.store),
    resourceMetadata: resourceMetadataOption(options.resourceMetadata, audiences),
    revocation: options.revocation,
  });
}

// RFC 9728 §1.2: the resource identifier is an https URL with no fragment;
// §3.1: its metadata lives at the well-known path inserted between host and path
function resourceMetadataOption(value: unknown, audiences: string[]): ResolvedResourceMetadata | undefined {
  if (value === undefined || value === false) return undefined;
  const given = value === true ? {} : value;
  if (!isRecord(given)) throw invalid('resourceMetadata must be true or { resource, scopesSupported, resourceName, resourceDocumentation }');
  const resource = given.resource ?? audiences[0]!;
  const url = typeof resource === 'string' && URL.canParse(resource) ? new URL(resource) : undefined;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash !== '') {
    throw invalid('resourceMetadata.resource must be an http(s) URL without fragment (it defaults to the first audience, which is not one)');
  }
  assertResourceIsAudience(resource as string, audiences);
  const scopes = given.scopesSupported === undefined ? undefined : nonEmptyStrings(given.scopesSupported, 'resourceMetadata.scopesSupported');
  for (const name of ['resourceName', 'resourceDocumentation'] as const) {
    if (given[name] !== undefined && (typeof given[name] !== 'string' || given[name] === '')) throw invalid(`resourceMetadata.${name} must be a non-empty string`);
  }
  const path = url.pathname === '/' ? '' : url.pathname;
  return Object.freeze({
    resource: resource as string,
    url: `${url.origin}/.well-known/oauth-protected-resource${path}${url.search}`,
    scopesSupported: scopes && Object.freeze(scopes),
    resourceName: given.resourceName as string | undefined,
    resourceDocumentation: given.resourceDocumentation as string | undefined,
  });
}

// A client asks Logto for a token with `resource` = the document's resource
// (RFC 8707; MCP clients always do), and Logto puts that string in `aud`
// exactly as the API resource is registered: a resource that is not one of the
// audiences gets tokens this API refuses (AUDIENCE_INVALID). Logto's MCP guide
// registers the indicator with a trailing slash, so that near miss is named.
function assertResourceIsAudience(resource: string, audiences: string[]): void {
  if (audiences.includes(resource)) return;
  const bare = (value: string) => value.replace(/\/+$/, '');
  const near = audiences.find((audience) => bare(audience) === bare(resource));
  if (near !== undefined) {
    throw invalid(`resourceMetadata.resource "${resource}" differs from the audience "${near}" only by a trailing slash: tokens carry the API resource indicator exactly as it is registered in Logto, so use that same string in both places`);
  }
  throw invalid(`resourceMetadata.resource "${resource}" is not one of the audiences: clients ask Logto for tokens for this resource, and their "aud" must pass the audience check`);
}

function logtoUrlOption(value: unknown): string {
  if (typeof value === 'string' && value !== value.trim()) throw invalid('logtoUrl has surrounding whitespace (read from a file or an env var?); pass the URL alone');
  const logtoUrl = parseHttpUrl(value, 'logtoUrl').replace(/\/+$/, '');
  // the issuer pasted as the endpoint would make every JWKS request a 404
  if (/\/oidc$/i.test(logtoUrl)) throw invalid(`logtoUrl is the Logto endpoint, not the issuer: drop the trailing "/oidc" (the issuer and the JWKS URL are derived from it)`);
  return logtoUrl;
}

function algorithmsOption(value: unknown): ReadonlySet<Algorithm> {
  if (value === undefined) return new Set(DEFAULTS.algorithms);
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw invalid('algorithms must be an array of algorithm names');
  // `none` and HS* are not in the table, so they fall out here whatever was passed
  const algorithms = new Set(value.filter(isAlgorithm));
  if (algorithms.size === 0) throw invalid(`algorithms leaves nothing allowed; choose from ${ALGORITHM_NAMES.join(', ')} (none and HS* are never accepted)`);
  return algorithms;
}

// the hosts a browser puts in Origin (RFC 6454 §6.2): DNS names (IDNs as punycode), IPv4, [IPv6]
const ORIGIN_HOST = /^(?:[a-z0-9-_]+(?:\.[a-z0-9-_]+)*\.?|\[[0-9a-f:.]+\])$/;

function trustedOriginsOption(value: unknown): ReadonlySet<string> {
  if (value === undefined) return new Set(DEFAULTS.trustedOrigins);
  if (!Array.isArray(value)) throw invalid('trustedOrigins must be an array of origins such as https://app.example.com');
  return new Set(value.map((origin) => {
    // a browser's Origin names one host: a pattern would be kept and never match
    if (typeof origin === 'string' && origin.includes('*')) throw invalid('trustedOrigins takes exact origins, not patterns: "*" matches nothing; list each origin, such as https://app.example.com');
    let url: URL | undefined;
    try {
      url = typeof origin === 'string' ? new URL(origin) : undefined;
    } catch {
      url = undefined;
    }
    // RFC 6454 §6.2: an origin serializes as scheme://host[:port], nothing more
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin.replace(/\/$/, '').toLowerCase() || !ORIGIN_HOST.test(url.hostname)) {
      throw invalid('each trustedOrigins entry must be an origin such as https://app.example.com (scheme, host and port only)');
    }
    return url.origin;
  }));
}

function storeOption(value: unknown): Store | undefined {
  if (value === undefined) return undefined;
  const store = value as Partial<Store> | null;
  if (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.set !== 'function' || typeof store.setIfAbsent !== 'function') {
    throw invalid('store must be a Store (get, set, setIfAbsent), e.g. memoryStore() or redisStore(client)');
  }
  return store as Store;
}

function headersOption(value: unknown): Readonly<Record<string, string>> | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value) || !Object.values(value).every((item) => typeof item === 'string')) throw invalid('jwksRequestHeaders must be a record of header names to string values');
  return Object.freeze({ ...value } as Record<string, string>);
}

function parseHttpUrl(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(`${name} is required and must be an http(s) URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${name} must be an http(s) URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(`${name} must be an http(s) URL`);
  return value;
}

function nonEmptyStrings(value: unknown, name: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string' && item !== '')) {
    throw invalid(`${name} must be a non-empty string or a non-empty array of non-empty strings`);
  }
  return [...list];
}

function cookieNameOption(value: unknown, fallback: string, name: string): string {
  if (value === undefined) return fallback;
  if (!isCookieName(value)) throw invalid(`${name} must be a valid cookie name (RFC 6265 §4.1.1)`);
  return value;
}

function organizationOption(value: unknown): { ids: ReadonlySet<string> } | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { ids: new Set() };
  return { ids: new Set(nonEmptyStrings(value, 'requiredOrganization')) };
}

// who may call: undefined when the options restrict nothing, so checkClaims skips it
function callerOption(options: VerifyAuthOptions): CallerPolicy | undefined {
  const { acceptsToken, allowedClients, actorPolicy } = options;
  if (acceptsToken !== undefined && acceptsToken !== 'user' && acceptsToken !== 'machine' && acceptsToken !== 'any') throw invalid("acceptsToken must be 'user', 'machine' or 'any'");
  if (actorPolicy !== undefined && actorPolicy !== 'allow' && actorPolicy !== 'refuse' && actorPolicy !== 'require') throw invalid("actorPolicy must be 'allow', 'refuse' or 'require'");
  // exact strings: a client id may be an https:// URL (an MCP client ID metadata document), compared as sent
  const clients = allowedClients === undefined ? undefined : new Set(nonEmptyStrings(allowedClients, 'allowedClients'));
  const policy: CallerPolicy = { tokenType: acceptsToken === 'any' ? undefined : acceptsToken, clients, actor: actorPolicy };
  return hasCallerPolicy(policy) ? Object.freeze(policy) : undefined;
}
