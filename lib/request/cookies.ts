/**
 * The `Cookie` request header, read the way RFC 6265 §5.2 says a server should
 * be lenient about it, and the guest `Set-Cookie` value, written strictly
 * (RFC 6265 §4.1).
 * @see https://www.rfc-editor.org/rfc/rfc6265
 * @module
 */

/**
 * Parses a `Cookie` header into a null-prototype record. Never throws.
 * Pairs split on `;` only (RFC 6265 §4.2.1; a comma is part of a value), names
 * and values are trimmed of spaces and tabs, one pair of double quotes around a
 * value is removed (§4.1.1 allows them), percent-encoding is decoded when it is
 * valid and kept raw when it is not, a pair without `=` or with an empty name
 * is skipped, and the first occurrence of a name wins (§5.4: browsers send the
 * most specific path first).
 */
export function parseCookieHeader(header: string): Record<string, string> {
  const cookies: Record<string, string> = Object.create(null);
  const length = header.length;
  let start = 0;
  // The next "=" at or after `start`, found once and reused until `start` passes
  // it: searching afresh for every pair rescans the rest of the header each time
  // (many pairs without "=" before one `x=y` cost quadratic time). Linear overall.
  let eq = -1;
  while (start < length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = length;
    if (eq !== length && eq < start) {
      eq = header.indexOf('=', start);
      if (eq === -1) eq = length; // no "=" left: no later pair has a value
    }
    if (eq < end) {
      const name = trimOws(header.slice(start, eq));
      if (name !== '' && !(name in cookies)) cookies[name] = decodeValue(trimOws(header.slice(eq + 1, end)));
    }
    start = end + 1;
  }
  return cookies;
}

/**
 * Reads one cookie from a `Cookie` header; `undefined` when absent. The same
 * answer as `parseCookieHeader(header)[name]`, by the same walk over the pairs,
 * but it stops at the first pair of that name and decodes only its value (no
 * record is built: this runs on every request that carries cookies).
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || name === '') return undefined; // an empty name is never a cookie (parseCookieHeader skips it)
  const length = header.length;
  let start = 0;
  let eq = -1; // the next "=" at or after `start`, as in parseCookieHeader (linear overall)
  while (start < length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = length;
    if (eq !== length && eq < start) {
      eq = header.indexOf('=', start);
      if (eq === -1) eq = length;
    }
    if (eq < end && trimOws(header.slice(start, eq)) === name) return decodeValue(trimOws(header.slice(eq + 1, end)));
    start = end + 1;
  }
  return undefined;
}

// RFC 6265 §4.1.1: cookie-name is an RFC 2616 token
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 6265 §4.1.1: cookie-octet excludes CTLs, whitespace, DQUOTE, comma, semicolon and backslash
const COOKIE_OCTETS = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;

/** True when `value` may be used as a cookie name. */
export function isCookieName(value: unknown): value is string {
  return typeof value === 'string' && TOKEN.test(value);
}

/**
 * The guest cookie's `Set-Cookie` value: `name=value; Path=/; HttpOnly; SameSite=Lax`,
 * plus `Secure` on https. Throws `TypeError` for a name or value that could
 * inject attributes or headers (CVE-2024-47764 class).
 */
export function serializeGuestCookie(name: string, value: string, secure: boolean): string {
  if (!isCookieName(name)) throw new TypeError('logto-authkit: invalid cookie name');
  if (typeof value !== 'string' || !COOKIE_OCTETS.test(value)) throw new TypeError('logto-authkit: invalid cookie value');
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isOws(text.charCodeAt(start))) start++;
  while (end > start && isOws(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function decodeValue(value: string): string {
  const unquoted = value.length >= 2 && value.charCodeAt(0) === 0x22 && value.charCodeAt(value.length - 1) === 0x22 ? value.slice(1, -1) : value;
  if (!unquoted.includes('%')) return unquoted;
  try {
    return decodeURIComponent(unquoted);
  } catch {
    return unquoted; // bad percent-encoding is kept as it came
  }
}
