/**
 * Cross-origin protection for cookie-borne tokens: a browser attaches a cookie
 * to a request another site makes it send, so an unsafe request that carries
 * the token in a cookie must come from the API's own origin (or a trusted
 * one). Token-free, from what the browser says about the request: Fetch
 * Metadata (`Sec-Fetch-Site`) where it is sent, else `Origin` against `Host`.
 * The same defence as Go 1.25's `http.CrossOriginProtection`.
 * @see https://www.w3.org/TR/fetch-metadata/
 * @see https://www.rfc-editor.org/rfc/rfc6454#section-7
 * @module
 */
import { AuthError } from '../errors.js';

/** What the check reads from one request; header values as received, `undefined` when absent. */
export interface CrossOriginFacts {
  /** The request method; `GET`, `HEAD` and `OPTIONS` are never checked. */
  method: string;
  /** The `Origin` header. */
  origin: string | undefined;
  /** The `Sec-Fetch-Site` header. */
  secFetchSite: string | undefined;
  /** The request's `Host` (`host[:port]`): the `Host` header, else the request URL's host. */
  host: string | undefined;
}

// RFC 9110 §9.2.1: safe methods; a browser's cross-site GET or HEAD must not change state anyway
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
// Fetch Metadata §2.1: the request came from the API's own origin, or from the user (address bar, bookmark)
const ALLOWED_SITES: ReadonlySet<string> = new Set(['same-origin', 'none']);
// RFC 6454 §7.1: an Origin is "null" or scheme "://" host [ ":" port ], nothing more
const ORIGIN_SHAPE = /^https?:\/\/(?:\[[0-9A-Fa-f:.]+\]|[^\s/?#@:[\]\\]+)(?::\d{1,5})?$/i;
const DEFAULT_PORT: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/** True when the method is unsafe (not `GET`, `HEAD` or `OPTIONS`, in any case), so a cookie-borne token must pass the check. */
export function isUnsafeMethod(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/**
 * Throws `CSRF_REJECTED` (403) when an unsafe request comes from another
 * origin. In order: an `Origin` in `trustedOrigins` is allowed; else a
 * `Sec-Fetch-Site` header decides (`same-origin` and `none` allowed, any
 * other value refused); else an `Origin` is allowed only when its host and
 * port equal the request's `Host` (`null` and malformed values refused);
 * else, with neither header (not a browser), the request is allowed.
 * `GET`, `HEAD` and `OPTIONS` are always allowed.
 * Call it only for a token that came from a cookie: a browser never attaches
 * an `Authorization` header on its own. Messages name the deciding header,
 * never the configured origins.
 */
export function assertSameOrigin(facts: CrossOriginFacts, trustedOrigins: ReadonlySet<string>): void {
  if (!isUnsafeMethod(facts.method)) return;
  if (trustedOrigins.size > 0 && facts.origin !== undefined && trustedOrigins.has(parseOrigin(facts.origin)?.serialized ?? '')) return;
  if (facts.secFetchSite !== undefined) {
    // Fetch Metadata §2.1: the values are lower-case tokens; anything else is refused, not guessed at
    if (ALLOWED_SITES.has(facts.secFetchSite)) return;
    throw rejection('the Sec-Fetch-Site header says the request comes from another site or origin', 'Sec-Fetch-Site', facts.secFetchSite);
  }
  if (facts.origin === undefined) return; // neither header: not a browser, so nothing rides on a cookie by itself
  if (facts.origin === 'null') throw rejection('the Origin header is null (an opaque origin)', 'Origin', facts.origin);
  const origin = parseOrigin(facts.origin);
  if (origin === undefined) throw rejection('the Origin header is malformed', 'Origin', facts.origin);
  if (!isSameHostAndPort(origin, facts.host)) throw rejection("the Origin header's host and port differ from the request's Host", 'Origin', facts.origin);
}

interface ParsedOrigin {
  /** `scheme://host[:port]` as the URL standard serializes it (lower case, default port dropped). */
  serialized: string;
  hostname: string;
  /** The explicit port, else the scheme's default. */
  port: string;
  /** The default port of the Origin's scheme (80 or 443). */
  defaultPort: string;
}

// Origin and Host values repeat (an app has few origins and one host), and the
// URL parser is most of this check's cost: each distinct value is parsed once
// and its result kept. Bounded: a stream of distinct values only recycles the map.
const MAX_KEPT_VALUES = 256;
const parsedOrigins = new Map<string, ParsedOrigin | null>();
const parsedHosts = new Map<string, ParsedHost | null>();

function kept<T>(map: Map<string, T | null>, value: string, parse: (value: string) => T | undefined): T | undefined {
  let result = map.get(value);
  if (result === undefined) {
    if (map.size >= MAX_KEPT_VALUES) map.clear();
    result = parse(value) ?? null;
    map.set(value, result);
  }
  return result ?? undefined;
}

function parseOrigin(value: string): ParsedOrigin | undefined {
  return kept(parsedOrigins, value, parseOriginOnce);
}

function parseOriginOnce(value: string): ParsedOrigin | undefined {
  if (!ORIGIN_SHAPE.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const defaultPort = DEFAULT_PORT[url.protocol]!;
  return { serialized: url.origin, hostname: url.hostname, port: url.port || defaultPort, defaultPort };
}

// RFC 9110 §7.2: Host = uri-host [ ":" port ]. A Host without a port means the
// default port of the scheme the browser used, which is the Origin's scheme: a
// TLS-terminating proxy in front of the app must not turn https://a into a mismatch.
function isSameHostAndPort(origin: ParsedOrigin, host: string | undefined): boolean {
  if (host === undefined) return false;
  const parsed = kept(parsedHosts, host, parseHostOnce);
  if (parsed === undefined) return false;
  return parsed.hostname === origin.hostname && (parsed.port ?? origin.defaultPort) === origin.port;
}

interface ParsedHost {
  /** As the URL parser serializes it, like an Origin's hostname. */
  hostname: string;
  /** The explicit port without leading zeros, else `undefined`. */
  port: string | undefined;
}

function parseHostOnce(host: string): ParsedHost | undefined {
  const split = splitHost(host);
  if (split === undefined) return undefined;
  try {
    // the URL parser lower-cases, turns IDNs into punycode and normalizes IPv6, as it did for the Origin
    return { hostname: new URL(`http://${split.hostname}/`).hostname, port: split.port };
  } catch {
    return undefined;
  }
}

function splitHost(host: string): { hostname: string; port: string | undefined } | undefined {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^\s/?#@:[\]\\]+)(?::(\d{1,5}))?$/.exec(host);
  if (!match) return undefined;
  // "a:0080" and "a:80" are the same port
  return { hostname: match[1]!, port: match[2] === undefined ? undefined : String(Number(match[2])) };
}

function rejection(message: string, header: string, actual: string): AuthError {
  return new AuthError('CSRF_REJECTED', `cross-origin request refused for a cookie-borne token: ${message}`, { detail: { claim: header, actual } });
}
