/**
 * An in-process Logto issuer for tests: its own keys (ES384 unless told), its
 * `logtoUrl`, a `fetch` that answers discovery and JWKS with no socket, and
 * tokens minted as Logto 1.42 mints them (fixtures/logto-1.42/), the wrong
 * ones included. What it signs verifies only against its own JWKS: a
 * production verifier, which fetches the real tenant's keys, never knows its
 * `kid`.
 * @module
 */
import type { Algorithm } from '../jose/jwk.js';
import {
  ACCESS_TOKEN_TTL_SEC,
  BACKCHANNEL_LOGOUT_EVENT,
  ID_TOKEN_TTL_SEC,
  LOGOUT_TOKEN_TTL_SEC,
  ORGANIZATION_AUDIENCE_PREFIX,
  accessTokenClaims,
  randomId,
  randomOpaqueId,
  scopeClaim,
  withOverrides,
} from './claims.js';
import { exportSigningKey, generateSigningKey, importSigningKey, signCompact, type SigningKey } from './keys.js';
import { signWebhook, webhookBody, type LogtoEventName, type WebhookDelivery, type WebhookSubject } from './webhooks.js';

/** How to make a test issuer. Every field is optional. */
export interface TestIssuerOptions {
  /**
   * The issuer's Logto endpoint. Default: `https://<random>.logto.test`, new per
   * issuer (RFC 2606 reserves `.test`: it never resolves), so two issuers in one
   * process never share the library's JWKS cache, which is kept per JWKS URL.
   */
  logtoUrl?: string;
  /** The signing algorithm. Default: `ES384`, Logto's. */
  algorithm?: Algorithm;
  /** The API resource indicator tokens are for. Default: `https://api.example.test`. */
  audience?: string;
  /** The user whose tokens `accessToken()` mints. Default: a random Logto-shaped id (12 characters). */
  userId?: string;
  /** The app users sign in through (`client_id`, and the ID token's `aud`). Default: a random 21-character id. */
  clientId?: string;
  /** The machine-to-machine app (`sub` and `client_id` of machine tokens). Default: a random 21-character id. */
  machineClientId?: string;
  /** The webhook's signing key. Default: a random 32-character key, as Logto makes one. */
  webhookSigningKey?: string;
  /** The clock, in ms since the epoch. Default: `Date.now`. Pass the one your test freezes. */
  now?: () => number;
  /**
   * Private JWKs (from `exportSigningKeys()`) to sign with instead of a new key,
   * the first one current. Default: none, a key generated in memory, never written anywhere.
   */
  signingKeys?: readonly JsonWebKey[];
}

/** What a minted access token says; every field has a Logto-like default. */
export interface AccessTokenOptions {
  /** `sub`. Default: the issuer's `userId` (for a machine token, its client id). */
  sub?: string;
  /** `client_id`. Default: the issuer's `clientId` (`machineClientId` for a machine token). */
  clientId?: string;
  /** Granted scopes, a list or space-separated. None: no `scope` claim at all, as Logto. */
  scope?: string | readonly string[];
  /** `aud`. Default: the issuer's `audience`. */
  audience?: string;
  /** The organization of an organization-level API token (`organization_id`, `aud` stays the API). */
  organizationId?: string;
  /** `sid`, which Logto adds only through a custom JWT script. */
  sid?: string;
  /** Lifetime in seconds. Default: 3600, Logto's. */
  expiresIn?: number;
  /** Any claim to replace or add; `undefined` removes one. Applied last. */
  claims?: Record<string, unknown>;
  /** Header members to replace or add (`typ`, `kid`...); `undefined` removes one. */
  header?: Record<string, unknown>;
}

/** An ID token's fields (never an access token: no `typ`, `aud` is the client id). */
export interface IdTokenOptions {
  sub?: string;
  /** `username` and `preferred_username`. Default: `test-user`. */
  username?: string;
  clientId?: string;
  nonce?: string;
  sid?: string;
  /** Organization ids (Logto adds `organizations` with the `urn:logto:scope:organizations` scope). */
  organizations?: readonly string[];
  claims?: Record<string, unknown>;
}

/** A logout token's fields (OIDC Back-Channel Logout 1.0 §2.4, as Logto sends it). */
export interface LogoutTokenOptions {
  sub?: string;
  /** The session id; default a random one. `null` leaves it out. */
  sid?: string | null;
  clientId?: string;
  claims?: Record<string, unknown>;
}

/** The in-process issuer. */
export interface TestIssuer {
  readonly logtoUrl: string;
  /** `${logtoUrl}/oidc`, the `iss` of every token. */
  readonly issuer: string;
  readonly jwksUri: string;
  readonly audience: string;
  readonly userId: string;
  readonly clientId: string;
  readonly machineClientId: string;
  readonly webhookSigningKey: string;
  /** Answers discovery and JWKS at `logtoUrl` (404 elsewhere); pass it as the `fetch` option. */
  readonly fetch: typeof fetch;
  /** `{ logtoUrl, audience, fetch }`, to spread into the library's options. */
  readonly options: { logtoUrl: string; audience: string; fetch: typeof fetch };
  /** The same answers as a Fetch handler, for a server. */
  handle(request: Request): Promise<Response>;
  /** The published JWKS: the current key first. */
  jwks(): { keys: Record<string, string>[] };
  /** How many requests `fetch`/`handle` answered, by path (`/oidc/jwks`...). */
  readonly requests: Readonly<Record<string, number>>;
  /** Rotates as Logto does: a new key signs from now on and is published first; the old ones stay published. */
  rotateKeys(algorithm?: Algorithm): Promise<void>;
  /** Stops publishing every key but the current one (a rotation's last step). */
  retireOldKeys(): void;
  /** The private JWKs, current first, for `signingKeys`: only for a test that must keep its keys. */
  exportSigningKeys(): Promise<JsonWebKey[]>;

  /** A user's access token for the API (authorization code or refresh grant). */
  accessToken(options?: AccessTokenOptions): Promise<string>;
  /** A machine-to-machine token (client credentials): `sub` equals `client_id`. */
  machineToken(options?: AccessTokenOptions): Promise<string>;
  /** An organization token: `aud` is `urn:logto:organization:<id>`, no `organization_id`. `machine: true` for an app's. */
  organizationToken(organizationId: string, options?: AccessTokenOptions & { machine?: boolean }): Promise<string>;
  /** A token-exchange (impersonation) token; with `actor`, the `act: { sub }` claim. */
  exchangeToken(options?: AccessTokenOptions & { actor?: string }): Promise<string>;
  /** An ID token as Logto signs one: no `typ`, `nonce`, `sid`, `aud` = the client id. Not an access token. */
  idToken(options?: IdTokenOptions): Promise<string>;
  /** A back-channel logout token: `typ: logout+jwt`, `exp = iat + 120`. */
  logoutToken(options?: LogoutTokenOptions): Promise<string>;
  /** The form-encoded POST Logto sends to a back-channel logout URI. */
  logoutRequest(url: string, options?: LogoutTokenOptions): Promise<Request>;
  /** A webhook delivery for `event`, shaped and signed as Logto's (with `webhookSigningKey`); `subject` names who and what it is about. */
  webhook(event: LogtoEventName, subject?: WebhookSubject): Promise<WebhookDelivery>;

  /** Expired: `exp` (and `iat`) in the past. */
  expiredToken(options?: AccessTokenOptions): Promise<string>;
  /** Not yet valid: an `nbf` in the future. */
  notYetValidToken(options?: AccessTokenOptions): Promise<string>;
  /** For another API. */
  wrongAudienceToken(options?: AccessTokenOptions): Promise<string>;
  /** From another tenant's issuer, signed with this issuer's key. */
  wrongIssuerToken(options?: AccessTokenOptions): Promise<string>;
  /** Signed by a key this issuer never publishes, with a `kid` it does not know. */
  strangerToken(options?: AccessTokenOptions): Promise<string>;
  /** What Logto issues when no resource is asked for: an opaque string (43 base64url characters), not a JWT. */
  opaqueToken(): string;
}

/** Where the issuer's endpoints live under `logtoUrl`, as on Logto. */
export const DISCOVERY_PATH = '/oidc/.well-known/openid-configuration';
export const JWKS_PATH = '/oidc/jwks';
const DEFAULT_AUDIENCE = 'https://api.example.test';
const WRONG_AUDIENCE = 'https://another-api.example.test';
const WRONG_ISSUER = 'https://another-tenant.logto.test/oidc';
// how far in the past an expired token ended, and how far ahead a not-yet-valid one starts
const HOUR_SEC = 3600;
/** Logto's webhook signing keys are 32 alphanumeric characters. */
const SIGNING_KEY_LENGTH = 32;

/** Makes an in-process issuer with a fresh key. */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const logtoUrl = (options.logtoUrl ?? `https://${randomId(12)}.logto.test`).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(logtoUrl)) throw new TypeError('createTestIssuer: "logtoUrl" must be an http(s) URL');
  const issuer = `${logtoUrl}/oidc`;
  const jwksUri = `${logtoUrl}${JWKS_PATH}`;
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  const userId = options.userId ?? randomId(12);
  const clientId = options.clientId ?? randomId(21);
  const machineClientId = options.machineClientId ?? randomId(21);
  const webhookSigningKey = options.webhookSigningKey ?? randomId(SIGNING_KEY_LENGTH, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
  const now = options.now ?? Date.now;
  const nowSec = () => Math.floor(now() / 1000);

  let keys: SigningKey[] = options.signingKeys?.length ? await Promise.all(options.signingKeys.map(importSigningKey)) : [await generateSigningKey(options.algorithm)];
  let stranger: SigningKey | undefined;
  const requests: Record<string, number> = Object.create(null);

  const sign = (key: SigningKey, payload: Record<string, unknown>, header: Record<string, unknown> | undefined, typ: string | undefined) =>
    // Logto's header order: alg, typ, kid (an ID token has no typ)
    signCompact(key, withOverrides({ alg: key.alg, typ, kid: key.kid }, header), payload);

  const mintAccess = (o: AccessTokenOptions, defaults: { sub: string; clientId: string; aud?: string; act?: { sub: string }; iat?: number }, key: SigningKey = keys[0]!) => {
    const iat = defaults.iat ?? nowSec();
    const claims = accessTokenClaims({
      iss: issuer,
      aud: defaults.aud ?? o.audience ?? audience,
      sub: o.sub ?? defaults.sub,
      clientId: o.clientId ?? defaults.clientId,
      iat,
      exp: iat + (o.expiresIn ?? ACCESS_TOKEN_TTL_SEC),
      scope: scopeClaim(o.scope),
      organizationId: o.organizationId,
      act: defaults.act,
      sid: o.sid,
    });
    return sign(key, withOverrides(claims, o.claims), o.header, 'at+jwt');
  };
  const user = (o: AccessTokenOptions) => ({ sub: userId, clientId: o.clientId ?? clientId });
  const machine = (o: AccessTokenOptions) => {
    const id = o.clientId ?? o.sub ?? machineClientId;
    return { sub: id, clientId: id };
  };

  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    requests[url.pathname] = (requests[url.pathname] ?? 0) + 1;
    if (url.origin !== new URL(logtoUrl).origin || request.method !== 'GET') return new Response('not found', { status: 404 });
    if (url.pathname === JWKS_PATH) return json(jwks(), 'application/jwk-set+json; charset=utf-8');
    if (url.pathname === DISCOVERY_PATH) return json(discovery(issuer, keys[0]!.alg), 'application/json; charset=utf-8');
    return new Response('not found', { status: 404 });
  };
  const jwks = () => ({ keys: keys.map((key) => ({ ...key.publicJwk })) });
  const fetchStub = ((input: RequestInfo | URL, init?: RequestInit) => handle(new Request(input, init))) as typeof fetch;

  const self: TestIssuer = {
    logtoUrl,
    issuer,
    jwksUri,
    audience,
    userId,
    clientId,
    machineClientId,
    webhookSigningKey,
    fetch: fetchStub,
    options: Object.freeze({ logtoUrl, audience, fetch: fetchStub }),
    handle,
    jwks,
    requests,
    async rotateKeys(algorithm) {
      keys = [await generateSigningKey(algorithm ?? keys[0]!.alg), ...keys];
    },
    retireOldKeys() {
      keys = keys.slice(0, 1);
    },
    exportSigningKeys: () => Promise.all(keys.map(exportSigningKey)),
    accessToken: (o = {}) => mintAccess(o, user(o)),
    machineToken: (o = {}) => mintAccess(o, machine(o)),
    organizationToken: (organizationId, o = {}) => mintAccess({ ...o, organizationId: undefined }, { ...(o.machine ? machine(o) : user(o)), aud: `${ORGANIZATION_AUDIENCE_PREFIX}${organizationId}` }),
    exchangeToken: (o = {}) => mintAccess(o, { ...user(o), act: o.actor === undefined ? undefined : { sub: o.actor } }),
    async idToken(o = {}) {
      const iat = nowSec();
      const sub = o.sub ?? userId;
      const claims = withOverrides(
        {
          sub,
          name: 'Test User',
          preferred_username: o.username ?? 'test-user',
          picture: null,
          updated_at: now(),
          username: o.username ?? 'test-user',
          created_at: now(),
          organizations: o.organizations,
          organization_roles: o.organizations?.map((id) => `${id}:member`),
          nonce: o.nonce ?? randomId(16, '0123456789abcdef'),
          sid: o.sid ?? randomOpaqueId(),
          aud: o.clientId ?? clientId,
          exp: iat + ID_TOKEN_TTL_SEC,
          iat,
          iss: issuer,
        },
        o.claims,
      );
      return sign(keys[0]!, claims, undefined, undefined);
    },
    logoutToken: (o = {}) => logoutToken(o),
    async logoutRequest(url, o = {}) {
      // Logto posts the token form-encoded (OIDC Back-Channel Logout 1.0 §2.5), with an empty User-Agent
      const body = new URLSearchParams({ logout_token: await logoutToken(o) }).toString();
      return new Request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': '', accept: '*/*' }, body });
    },
    async webhook(event, subject) {
      return signWebhook(webhookBody(event, { now: now(), userId, applicationId: clientId }, subject), webhookSigningKey);
    },
    // it ended an hour ago, whatever its lifetime
    expiredToken: (o = {}) => mintAccess(o, { ...user(o), iat: nowSec() - HOUR_SEC - (o.expiresIn ?? ACCESS_TOKEN_TTL_SEC) }),
    notYetValidToken: (o = {}) => mintAccess({ ...o, claims: { nbf: nowSec() + HOUR_SEC, ...o.claims } }, user(o)),
    wrongAudienceToken: (o = {}) => mintAccess({ ...o, audience: WRONG_AUDIENCE }, user(o)),
    wrongIssuerToken: (o = {}) => mintAccess({ ...o, claims: { iss: WRONG_ISSUER, ...o.claims } }, user(o)),
    async strangerToken(o = {}) {
      stranger ??= await generateSigningKey(keys[0]!.alg);
      return mintAccess(o, user(o), stranger);
    },
    opaqueToken: () => randomOpaqueId(),
  };

  async function logoutToken(o: LogoutTokenOptions): Promise<string> {
    const iat = nowSec();
    const claims = withOverrides(
      {
        sub: o.sub ?? userId,
        events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
        jti: randomOpaqueId(),
        sid: o.sid === null ? undefined : (o.sid ?? randomOpaqueId()),
        aud: o.clientId ?? clientId,
        exp: iat + LOGOUT_TOKEN_TTL_SEC,
        iat,
        iss: issuer,
      },
      o.claims,
    );
    return sign(keys[0]!, claims, undefined, 'logout+jwt');
  }

  return self;
}

function json(body: unknown, contentType: string): Response {
  // Logto serves its JWKS with no-cache; the library's own TTL decides
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-cache, max-age=0, must-revalidate' } });
}

/** The discovery members a verifier reads, as Logto 1.42 serves them (01-discovery.json). */
function discovery(issuer: string, alg: Algorithm): Record<string, unknown> {
  return {
    authorization_endpoint: `${issuer}/auth`,
    end_session_endpoint: `${issuer}/session/end`,
    issuer,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code id_token', 'code', 'id_token', 'none'],
    subject_types_supported: ['public'],
    token_endpoint: `${issuer}/token`,
    id_token_signing_alg_values_supported: [alg],
    userinfo_endpoint: `${issuer}/me`,
    introspection_endpoint: `${issuer}/token/introspection`,
    revocation_endpoint: `${issuer}/token/revocation`,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
  };
}
