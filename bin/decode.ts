/**
 * Decoding a token without trusting it, and what it claims about Logto: the
 * tenant behind `iss`, the audience, scopes and organization. Nothing here
 * verifies anything; `verify` does that through the library.
 * @module
 */
import { decodeBase64url, decodeUtf8 } from '../lib/jose/base64url.ts';
import { safe } from './text.ts';

export interface DecodedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** Length of the signature in bytes; the signature itself is never kept or shown. */
  signatureBytes: number;
}

/** Decodes a compact JWS (RFC 7515 §7.1) without checking it; a string saying why it is not a JWT otherwise. */
export function decodeUnverified(token: string): DecodedToken | string {
  const parts = token.split('.');
  if (parts.length === 1) return 'it has no dots, so it is an opaque token';
  // RFC 7516 §7.1: a compact JWE (an encrypted token) has five parts
  if (parts.length === 5) return 'it has five parts: an encrypted token (JWE), not a signed one';
  if (parts.length !== 3) return `it has ${parts.length} parts, not three`;
  const header = decodeJsonObject(parts[0]!);
  if (typeof header === 'string') return `its header ${header}`;
  const payload = decodeJsonObject(parts[1]!);
  if (typeof payload === 'string') return `its payload ${payload}`;
  const signature = decodeBase64url(parts[2]!);
  if (!signature) return 'its signature is not base64url';
  return { header, payload, signatureBytes: signature.length };
}

function decodeJsonObject(part: string): Record<string, unknown> | string {
  const bytes = decodeBase64url(part);
  if (!bytes) return 'is not base64url';
  const text = decodeUtf8(bytes);
  if (text === undefined) return 'is not UTF-8';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'is not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not a JSON object';
  return value as Record<string, unknown>;
}

/** Where an issuer points: Logto Cloud tenant, or another host. */
export interface IssuerInfo {
  /** `tenant on logto.app`, `auth.example.com (a custom domain or a self-hosted Logto)`. */
  description: string;
  /** The Logto Cloud tenant id, when the host is `<tenant>.logto.app`. */
  tenant?: string;
  host?: string;
}

const LOGTO_CLOUD_DOMAIN = 'logto.app';

/** Reads the tenant out of a Logto issuer, `https://<tenant>.logto.app/oidc`. */
export function describeIssuer(iss: unknown): IssuerInfo {
  if (typeof iss !== 'string') return { description: 'unknown (no "iss" claim)' };
  let url: URL;
  try {
    url = new URL(iss);
  } catch {
    return { description: 'unknown ("iss" is not a URL)' };
  }
  // Logto's issuer is `${endpoint}/oidc`; anything else did not come from Logto's OIDC provider
  const suffix = trimTrailingSlashes(url.pathname).endsWith('/oidc') ? '' : '; "iss" does not end in /oidc, which Logto issuers do';
  const host = url.host;
  if (host.endsWith(`.${LOGTO_CLOUD_DOMAIN}`)) {
    const tenant = host.slice(0, -LOGTO_CLOUD_DOMAIN.length - 1);
    return { description: `${tenant} on ${LOGTO_CLOUD_DOMAIN} (Logto Cloud)${suffix}`, tenant, host };
  }
  return { description: `${host} (a custom domain or a self-hosted Logto)${suffix}`, host };
}

const SLASH = 0x2f;

/**
 * `text` without its trailing slashes, in one backward pass. (`/\/+$/` is
 * quadratic on many slashes followed by anything else: every start position
 * scans the run again; an `iss` of 40,000 slashes took 2.1 s.)
 */
export function trimTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === SLASH) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** Logto's audience for organization tokens: `urn:logto:organization:<id>`. */
export const ORGANIZATION_AUDIENCE_PREFIX = 'urn:logto:organization:';

export interface OrganizationInfo {
  id: string;
  /** `organization_id` for an organization-level API resource token, `aud` for an organization token. */
  from: 'organization_id' | 'aud';
}

/** The organization a token claims, in either of Logto's two forms. */
export function organizationOf(payload: Record<string, unknown>): OrganizationInfo | undefined {
  if (typeof payload.organization_id === 'string' && payload.organization_id !== '') return { id: payload.organization_id, from: 'organization_id' };
  const audiences = audiencesOf(payload.aud);
  const urn = audiences.find((aud) => aud.startsWith(ORGANIZATION_AUDIENCE_PREFIX) && aud.length > ORGANIZATION_AUDIENCE_PREFIX.length);
  return urn === undefined ? undefined : { id: urn.slice(ORGANIZATION_AUDIENCE_PREFIX.length), from: 'aud' };
}

/** `aud` as a list (RFC 7519 §4.1.3: one string or an array of strings). */
export function audiencesOf(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((item): item is string => typeof item === 'string') : [];
}

/** `scope` as a list (RFC 6749 §3.3: space-delimited). */
export function scopesOf(scope: unknown): string[] {
  return typeof scope === 'string' ? scope.split(' ').filter((name) => name !== '') : [];
}

/** True for a `typ` that marks an access token (RFC 9068 §2.1); a missing `typ` does not. */
export function isAccessTokenType(typ: unknown): boolean {
  return typeof typ === 'string' && ['at+jwt', 'application/at+jwt'].includes(typ.toLowerCase());
}

// Claims only an OpenID Connect ID token carries (OIDC Core 1.0 §2, §3.1.3.6);
// Logto's have nonce and sid (fixtures/logto-1.42/04-user-tokens.json)
const ID_TOKEN_CLAIMS = ['nonce', 'at_hash', 'c_hash', 'auth_time'] as const;

/**
 * What shows a token to be an OpenID Connect ID token rather than an access
 * token, as short phrases for a sentence, or `undefined` when it does not look
 * like one. Logto's ID tokens carry no `typ` (its access tokens always say
 * `at+jwt`), an ID-token-only claim (`nonce`, `at_hash`, `auth_time`) and, as
 * `aud`, the client id of the app that signed in, where an access token has an
 * API resource indicator (a URI) or an organization URN.
 */
export function idTokenEvidence({ header, payload }: Pick<DecodedToken, 'header' | 'payload'>): string[] | undefined {
  if (header.typ !== undefined) return undefined;
  const claims = ID_TOKEN_CLAIMS.filter((claim) => payload[claim] !== undefined);
  const audiences = audiencesOf(payload.aud);
  const clientId = audiences.length > 0 && audiences.every((aud) => !aud.includes(':'));
  if (claims.length === 0 && !clientId) return undefined;
  const evidence = ['no typ'];
  if (claims.length > 0) evidence.push(`${claims.join(', ')} ${claims.length === 1 ? 'is' : 'are'} set`);
  if (clientId) evidence.push(`aud ${audiences.map(safe).join(', ')} is a client id, not an API resource`);
  return evidence;
}
