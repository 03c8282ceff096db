/**
 * The claims of a verified access token (RFC 7519 §4.1, RFC 9068 §2.2):
 * types first, then `exp`, `nbf`, `iat` (with `maxTokenAge`), `iss`, `aud`,
 * the organization, and last `scope`. Messages name the check and the claim,
 * never an expected value (configuration stays out of HTTP answers) nor a
 * value taken from the token; both go to `detail`, for logs and event hooks.
 * Not checked: `jti` and `client_id` beyond their type (no replay store).
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 * @module
 */
import { AuthError } from '../errors.js';
import { assertCaller, type CallerPolicy } from './caller.js';

/** What the claims must satisfy; built once per options object. */
export interface ExpectedClaims {
  issuers: ReadonlySet<string>;
  /** API resource indicators; an `urn:logto:organization:<id>` listed here accepts that organization's tokens. */
  audiences: ReadonlySet<string>;
  /** Every one must be in the token's `scope`. */
  requiredScopes: readonly string[];
  /**
   * The token must be for an organization: any (`ids` empty) or one of `ids`.
   * Naming `ids` also accepts organization tokens (an `urn:logto:organization:<id>`
   * audience) of those organizations; with `ids` empty only organization-level
   * API resource tokens (an expected audience plus `organization_id`) pass.
   */
  organization?: { ids: ReadonlySet<string> } | undefined;
  clockToleranceSec: number;
  /** Oldest `iat` accepted, in seconds before now; `undefined` checks no age. */
  maxTokenAgeSec?: number | undefined;
  /** Who may call (token type, clients, actor policy); `undefined` when the options restrict none. */
  caller?: CallerPolicy | undefined;
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
 * Throws `TOKEN_MALFORMED` for a missing `exp` (or a missing `iat` under
 * `maxTokenAge`) or a claim of the wrong type, then `TOKEN_EXPIRED`,
 * `TOKEN_NOT_YET_VALID`, `ISSUER_INVALID`, `AUDIENCE_INVALID`,
 * `TOKEN_MALFORMED` for a missing `sub`, `ORGANIZATION_INVALID`, `SCOPE_MISSING`, and last the caller policy's
 * `TOKEN_TYPE_NOT_ACCEPTED`, `CLIENT_NOT_ALLOWED`, `ACTOR_INVALID` (the 403s).
 */
export function checkClaims(payload: Record<string, unknown>, expected: ExpectedClaims, nowSec: number): asserts payload is JWTPayload {
  const { exp, nbf, iat, iss, aud, sub, scope, jti, client_id, organization_id } = payload;
  // RFC 9068 §2.2: an access token must say when it expires
  if (exp === undefined) throw malformed('exp', 'the token has no "exp" (expiration time) claim');
  if (!isNumericDate(exp)) throw malformed('exp', 'the "exp" (expiration time) claim is not a number');
  if (nbf !== undefined && !isNumericDate(nbf)) throw malformed('nbf', 'the "nbf" (not before) claim is not a number');
  if (iat !== undefined && !isNumericDate(iat)) throw malformed('iat', 'the "iat" (issued at) claim is not a number');
  if (iss !== undefined && typeof iss !== 'string') throw malformed('iss', 'the "iss" (issuer) claim is not a string');
  if (sub !== undefined && typeof sub !== 'string') throw malformed('sub', 'the "sub" (subject) claim is not a string');
  if (aud !== undefined && typeof aud !== 'string' && !isStringArray(aud)) throw malformed('aud', 'the "aud" (audience) claim is neither a string nor an array of strings');
  // RFC 7519 §4.1.7 and RFC 9068 §2.2: both are strings, and JWTPayload hands them over typed so
  if (jti !== undefined && typeof jti !== 'string') throw malformed('jti', 'the "jti" (JWT ID) claim is not a string');
  if (client_id !== undefined && typeof client_id !== 'string') throw malformed('client_id', 'the "client_id" claim is not a string');
  // RFC 9068 §2.2.3 and RFC 8693 §4.2: scope is one space-delimited string
  if (scope !== undefined && typeof scope !== 'string') throw malformed('scope', 'the "scope" claim is not a string');
  // Logto sends organization_id only for an organization, so an empty one is no organization at all
  if (organization_id !== undefined && (typeof organization_id !== 'string' || organization_id === '')) throw malformed('organization_id', 'the "organization_id" claim is not a non-empty string');

  assertTimely(payload as JWTPayload, expected, nowSec);
  if (iss === undefined || !expected.issuers.has(iss)) {
    throw new AuthError('ISSUER_INVALID', 'the token "iss" (issuer) is not the expected issuer', { detail: { claim: 'iss', expected: [...expected.issuers], actual: iss } });
  }
  const organizationAudience = assertAudience(aud, expected);
  // RFC 9068 §2.2: an access token names its subject (so a context's userId is
  // never null); checked once the token is known to be for us, after the 401s above
  if (sub === undefined) throw malformed('sub', 'the token has no "sub" (subject) claim');
  if (expected.organization) assertOrganization(organization_id, organizationAudience, expected.organization.ids);
  if (expected.requiredScopes.length > 0) assertScopes(scope, expected.requiredScopes);
  if (expected.caller) assertCaller(payload, expected.caller); // token type, client, actor: who may call (403s)
}

/**
 * The clock's part of `checkClaims` alone, on claims `checkClaims` accepted
 * before: `exp`, `nbf`, and `iat` under `maxTokenAge`. Under the same
 * `expected`, only the clock can change its verdict on the same claims, so
 * this is what a remembered token is checked against on each hit.
 * Throws `TOKEN_EXPIRED`, `TOKEN_NOT_YET_VALID` or `TOKEN_MALFORMED` (no `iat` under `maxTokenAge`).
 */
export function assertTimely(payload: JWTPayload, expected: ExpectedClaims, nowSec: number): void {
  const { exp, nbf } = payload as { exp: number; nbf?: number };
  // RFC 7519 §4.1.4: expired at exp itself, hence <=
  if (exp <= nowSec - expected.clockToleranceSec) {
    throw new AuthError('TOKEN_EXPIRED', 'the token has expired ("exp" is in the past)', { detail: { claim: 'exp', expected: `after ${nowSec - expected.clockToleranceSec}`, actual: exp } });
  }
  if (nbf !== undefined && nbf > nowSec + expected.clockToleranceSec) {
    throw new AuthError('TOKEN_NOT_YET_VALID', 'the token is not valid yet ("nbf" is in the future)', { detail: { claim: 'nbf', expected: `at most ${nowSec + expected.clockToleranceSec}`, actual: nbf } });
  }
  if (expected.maxTokenAgeSec !== undefined) assertTokenAge(payload.iat, expected.maxTokenAgeSec, expected.clockToleranceSec, nowSec);
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

// maxTokenAge, as jose's: a bound on the age since "iat" (RFC 7519 §4.1.6),
// for routes that want tokens younger than Logto's one hour; tolerance both ways
function assertTokenAge(iat: number | undefined, maxAgeSec: number, toleranceSec: number, nowSec: number): void {
  if (iat === undefined) throw malformed('iat', 'the token has no "iat" (issued at) claim, which a maximum token age needs');
  if (iat > nowSec + toleranceSec) {
    throw new AuthError('TOKEN_NOT_YET_VALID', 'the token was issued in the future ("iat" is in the future)', { detail: { claim: 'iat', expected: `at most ${nowSec + toleranceSec}`, actual: iat } });
  }
  if (nowSec - iat - toleranceSec > maxAgeSec) {
    throw new AuthError('TOKEN_EXPIRED', 'the token is older than the maximum token age ("iat" is too far in the past)', { detail: { claim: 'iat', expected: `at least ${nowSec - toleranceSec - maxAgeSec}`, actual: iat } });
  }
}

// Logto's three permission models: a global API resource token has the API's
// indicator as "aud"; an organization-level API resource token has it too, plus
// "organization_id"; an organization token (organization permissions) has
// "aud" urn:logto:organization:<id> and is for no API at all. So an API resource
// audience is always checked against the expected ones, an organization token
// passes only where the options name it (its URN in `audience`, or its id in
// requiredOrganization), and an "aud" mixing the two is refused: Logto issues no
// such token. Returns the organization of an accepted organization token.
function assertAudience(aud: string | string[] | undefined, expected: ExpectedClaims): string | undefined {
  const values = aud === undefined ? [] : typeof aud === 'string' ? [aud] : aud;
  let urn: string | undefined;
  let resources = 0;
  let matched = false;
  for (const value of values) {
    if (value.startsWith(ORGANIZATION_AUDIENCE_PREFIX)) {
      if (urn !== undefined && urn !== value) throw audienceInvalid('the token "aud" (audience) names more than one organization', expected, aud);
      urn = value;
    } else {
      resources++;
      if (expected.audiences.has(value)) matched = true;
    }
  }
  if (urn === undefined) {
    if (!matched) throw audienceInvalid('the token "aud" (audience) does not contain an expected audience', expected, aud);
    return undefined;
  }
  if (resources > 0) throw audienceInvalid('the token "aud" (audience) mixes an organization with an API resource', expected, aud);
  const organization = organizationFromUrn(urn);
  const optedIn = expected.audiences.has(urn) || (expected.organization !== undefined && expected.organization.ids.size > 0);
  if (organization === undefined || !optedIn) throw audienceInvalid('the token is an organization token ("aud" is an organization), which is not accepted here', expected, aud);
  return organization;
}

function audienceInvalid(message: string, expected: ExpectedClaims, actual: unknown): AuthError {
  return new AuthError('AUDIENCE_INVALID', message, { detail: { claim: 'aud', expected: [...expected.audiences], actual } });
}

// Either form names the organization: organization_id (organization-level API
// resources) or the organization token's audience (organization permissions).
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
    throw new AuthError('ORGANIZATION_INVALID', 'the token is for another organization than the one required', { detail: { claim: 'organization_id', expected, actual: organization } });
  }
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
