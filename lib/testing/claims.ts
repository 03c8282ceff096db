/**
 * Claims as Logto 1.42 writes them, in its order (fixtures/logto-1.42/):
 * access tokens `[organization_id] [act] [sid] jti sub iat exp [scope]
 * client_id iss aud`, ID tokens with `nonce`, `sid` and `aud` = the client id,
 * logout tokens `sub events jti sid aud exp iat iss`.
 * @module
 */

/** The organization audience Logto gives an organization token (RFC 8707 resource `urn:logto:organization:<id>`). */
export const ORGANIZATION_AUDIENCE_PREFIX = 'urn:logto:organization:';
/** The event member of a logout token (OIDC Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** Logto's access-token lifetime by default, in seconds. */
export const ACCESS_TOKEN_TTL_SEC = 3600;
/** Logto's ID-token lifetime, in seconds. */
export const ID_TOKEN_TTL_SEC = 3600;
/** Logto's logout tokens: `exp = iat + 120`. */
export const LOGOUT_TOKEN_TTL_SEC = 120;

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A random id from `alphabet`, as Logto's: 12 characters for users and organizations, 21 for apps, 43 for `jti` and `sid`. */
export function randomId(length: number, alphabet: string = LOWER_ALNUM): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let id = '';
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return id;
}

/** A `jti` or `sid` shaped like Logto's (43 base64url characters). */
export const randomOpaqueId = (): string => randomId(43, BASE64URL);

/** Space-separated, as RFC 9068 §2.2.3 wants; `undefined` (no claim at all) when there is no scope, as Logto does. */
export function scopeClaim(scope: string | readonly string[] | undefined): string | undefined {
  const list = typeof scope === 'string' ? scope.split(/[\s,]+/) : (scope ?? []);
  const joined = list.filter((item) => item.length > 0).join(' ');
  return joined.length > 0 ? joined : undefined;
}

/**
 * Applies the caller's overrides: a claim given replaces Logto's value in its
 * place (or is added at the end), a claim given as `undefined` is removed.
 */
export function withOverrides(claims: Record<string, unknown>, overrides: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...claims, ...overrides };
  for (const [name, value] of Object.entries(out)) if (value === undefined) delete out[name];
  return out;
}

/** What an access token says, before overrides. */
export interface AccessTokenFields {
  iss: string;
  aud: string;
  sub: string;
  clientId: string;
  iat: number;
  exp: number;
  scope: string | undefined;
  organizationId: string | undefined;
  act: { sub: string } | undefined;
  sid: string | undefined;
}

/** The claims of an access token in Logto's order (02-client-credentials.json, 03a/03b, 04, 04b, 05b). */
export function accessTokenClaims(fields: AccessTokenFields): Record<string, unknown> {
  return withOverrides(
    {
      organization_id: fields.organizationId,
      act: fields.act,
      sid: fields.sid,
      jti: randomOpaqueId(),
      sub: fields.sub,
      iat: fields.iat,
      exp: fields.exp,
      scope: fields.scope,
      client_id: fields.clientId,
      iss: fields.iss,
      aud: fields.aud,
    },
    undefined,
  );
}
