/**
 * The claims of a verified access token (RFC 7519 §4.1, RFC 9068 §2.2):
 * types first, then `exp`, `nbf`, `iss`, `aud`, and last `scope`.
 * Not checked: `iat` beyond its type, `jti` (no replay store), `client_id`.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 * @module
 */
import { AuthError } from '../errors.js';

/** What the claims must satisfy; built once per options object. */
export interface ExpectedClaims {
  issuers: ReadonlySet<string>;
  audiences: ReadonlySet<string>;
  /** Every one must be in the token's `scope`. */
  requiredScopes: readonly string[];
  /** The token must be for an organization: any (`ids` empty) or one of `ids`. */
  organization?: { ids: ReadonlySet<string> } | undefined;
  clockToleranceSec: number;
  /** Oldest `iat` accepted, in seconds before now; `undefined` checks no age. */
  maxTokenAgeSec?: number | undefined;
}

/** The verified claims set: registered claims typed, everything else as the issuer sent it. */
export interface JWTPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  scope?: string;
  client_id?: string;
  /** Logto: the organization of an organization-level API resource token. */
  organization_id?: string;
  [claim: string]: unknown;
}

/**
 * Checks the claims against `expected` at `nowSec` (seconds since the epoch).
 * Throws `TOKEN_MALFORMED` for a missing `exp` or a claim of the wrong type,
 * then `TOKEN_EXPIRED`, `TOKEN_NOT_YET_VALID`, `ISSUER_INVALID`,
 * `AUDIENCE_INVALID`, and last `SCOPE_MISSING` (the only 403).
 */
export function checkClaims(payload: Record<string, unknown>, expected: ExpectedClaims, nowSec: number): asserts payload is JWTPayload {
  const { exp, nbf, iat, iss, aud, sub, scope, organization_id } = payload;
  // RFC 9068 §2.2: an access token must say when it expires
  if (exp === undefined) throw malformed('exp', 'the token has no "exp" (expiration time) claim');
  if (!isNumericDate(exp)) throw malformed('exp', 'the "exp" (expiration time) claim is not a number');
  if (nbf !== undefined && !isNumericDate(nbf)) throw malformed('nbf', 'the "nbf" (not before) claim is not a number');
  if (iat !== undefined && !isNumericDate(iat)) throw malformed('iat', 'the "iat" (issued at) claim is not a number');
  if (iss !== undefined && typeof iss !== 'string') throw malformed('iss', 'the "iss" (issuer) claim is not a string');
  if (sub !== undefined && typeof sub !== 'string') throw malformed('sub', 'the "sub" (subject) claim is not a string');
  if (aud !== undefined && typeof aud !== 'string' && !isStringArray(aud)) throw malformed('aud', 'the "aud" (audience) claim is neither a string nor an array of strings');
  // RFC 9068 §2.2.3 and RFC 8693 §4.2: scope is one space-delimited string
  if (scope !== undefined && typeof scope !== 'string') throw malformed('scope', 'the "scope" claim is not a string');
  if (organization_id !== undefined && typeof organization_id !== 'string') throw malformed('organization_id', 'the "organization_id" claim is not a string');

  // RFC 7519 §4.1.4: expired at exp itself, hence <=
  if (exp <= nowSec - expected.clockToleranceSec) {
    throw new AuthError('TOKEN_EXPIRED', 'the token has expired ("exp" is in the past)', { detail: { claim: 'exp', expected: `after ${nowSec - expected.clockToleranceSec}`, actual: exp } });
  }
  if (nbf !== undefined && nbf > nowSec + expected.clockToleranceSec) {
    throw new AuthError('TOKEN_NOT_YET_VALID', 'the token is not valid yet ("nbf" is in the future)', { detail: { claim: 'nbf', expected: `at most ${nowSec + expected.clockToleranceSec}`, actual: nbf } });
  }
  if (iss === undefined || !expected.issuers.has(iss)) {
    const issuers = [...expected.issuers];
    throw new AuthError('ISSUER_INVALID', `the token "iss" (issuer) is not ${issuers.join(' or ')}`, { detail: { claim: 'iss', expected: issuers, actual: iss } });
  }
  // an organization token's audience is its organization (Logto: urn:logto:organization:<id>);
  // with requiredOrganization set, that audience is checked as an organization below
  const organizationAudience = expected.organization ? organizationFromAudience(aud) : undefined;
  if (!hasExpectedAudience(aud, expected.audiences) && organizationAudience === undefined) {
    const audiences = [...expected.audiences];
    throw new AuthError('AUDIENCE_INVALID', `the token "aud" (audience) does not contain ${audiences.join(' or ')}`, { detail: { claim: 'aud', expected: audiences, actual: aud } });
  }
  if (expected.organization) assertOrganization(organization_id, organizationAudience, expected.organization.ids);
  if (expected.requiredScopes.length > 0) assertScopes(scope, expected.requiredScopes);
}

/** The Logto organization a verified token is for: its `organization_id`, else an `urn:logto:organization:<id>` audience. */
export function organizationOf(payload: JWTPayload): string | undefined {
  return payload.organization_id ?? organizationFromAudience(payload.aud);
}

const ORGANIZATION_AUDIENCE_PREFIX = 'urn:logto:organization:';

function organizationFromAudience(aud: string | string[] | undefined): string | undefined {
  if (typeof aud === 'string') return organizationFromUrn(aud);
  for (const value of aud ?? []) {
    const organization = organizationFromUrn(value);
    if (organization !== undefined) return organization;
  }
  return undefined;
}

function organizationFromUrn(value: string): string | undefined {
  return value.startsWith(ORGANIZATION_AUDIENCE_PREFIX) && value.length > ORGANIZATION_AUDIENCE_PREFIX.length ? value.slice(ORGANIZATION_AUDIENCE_PREFIX.length) : undefined;
}

// Logto organization tokens: organization permissions come with an
// urn:logto:organization:<id> audience, organization-level API resources with
// the resource's audience plus organization_id. Either form names the organization.
function assertOrganization(claim: string | undefined, fromAudience: string | undefined, ids: ReadonlySet<string>): void {
  const expected = ids.size > 0 ? [...ids] : 'any organization';
  if (claim !== undefined && fromAudience !== undefined && claim !== fromAudience) {
    throw new AuthError('ORGANIZATION_INVALID', 'the token names two different organizations', { detail: { claim: 'organization_id', expected, actual: [claim, fromAudience] } });
  }
  const organization = claim ?? fromAudience;
  if (organization === undefined) {
    throw new AuthError('ORGANIZATION_INVALID', 'the token is not for an organization', { detail: { claim: 'organization_id', expected, actual: undefined } });
  }
  if (ids.size > 0 && !ids.has(organization)) {
    throw new AuthError('ORGANIZATION_INVALID', `the token is for another organization than ${[...ids].join(' or ')}`, { detail: { claim: 'organization_id', expected, actual: organization } });
  }
}

function hasExpectedAudience(aud: string | string[] | undefined, audiences: ReadonlySet<string>): boolean {
  if (typeof aud === 'string') return audiences.has(aud);
  if (aud === undefined) return false;
  for (const value of aud) if (audiences.has(value)) return true;
  return false;
}

// RFC 6749 §3.3: scopes are case-sensitive and space-delimited; a scope matches
// only exactly ("read" never passes for "read:all" or "overwrite").
function assertScopes(scope: string | undefined, required: readonly string[]): void {
  const granted = scope === undefined ? [] : scope.split(' ');
  const missing = required.filter((name) => !granted.includes(name));
  if (missing.length === 0) return;
  throw new AuthError('SCOPE_MISSING', `the token lacks the required scope ${missing.join(' ')}`, {
    detail: { claim: 'scope', expected: [...required], actual: granted.filter((name) => name !== '') },
  });
}

// RFC 7519 §2: a NumericDate is a JSON number; JSON.parse turns 1e400 into Infinity, which is not one
function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function malformed(claim: string, message: string): AuthError {
  return new AuthError('TOKEN_MALFORMED', message, { detail: { claim } });
}
