// A real OIDC issuer on 127.0.0.1, shaped like Logto: node-oidc-provider (which
// Logto is built on) mounted under /oidc, issuing JWT access tokens for an API
// resource through the client_credentials grant. Tokens come from a real
// POST /oidc/token and keys from a real GET /oidc/jwks, so a verifier under
// test sees what it would see against a Logto tenant. What it emits matches
// what a real Logto 1.42 emitted (fixtures/logto-1.42/), kind by kind: access
// tokens typed at+jwt with client_id and no scope claim when none was granted,
// organization tokens in both shapes, ID tokens without typ, logout tokens that
// live 120 s; spec/logto/issuer-shape.spec.ts fails when it drifts.
import { generateKeyPair, randomBytes, type JsonWebKey } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

export type LogtoIssuerAlg = 'ES384' | 'ES256' | 'ES512' | 'RS256' | 'PS256' | 'EdDSA';

export interface LogtoIssuerOptions {
  /** Signing algorithm of the access tokens; Logto's default is ES384. */
  alg?: LogtoIssuerAlg;
  /** The API resource indicator, which becomes the tokens' `aud`. */
  audience?: string;
  /** Scopes the API resource defines (all granted to the test client). */
  scopes?: string[];
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Logto organizations the test client belongs to (default `org_1`, `org_2`). */
  organizations?: string[];
  /** A second API resource whose access tokens live one second (to get real expired tokens). */
  shortLivedAudience?: string;
  /** Enables back-channel logout for a second client (`web-app`) whose logout endpoint is this URL. */
  backchannelLogoutUri?: string;
}

export interface LogtoIssuer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  logtoUrl: string;
  /** `${logtoUrl}/oidc` */
  issuer: string;
  /** `${logtoUrl}/oidc/jwks` */
  jwksUri: string;
  /** The API resource indicator. */
  audience: string;
  alg: string;
  /** The client_credentials client getToken() authenticates as (also the tokens' sub and client_id). */
  clientId: string;
  /** The scopes the resource defines; getToken() asks for all of them by default. */
  scopes: string[];
  /** How many GET /oidc/jwks requests the server has answered. */
  jwksHits(): number;
  /** A real access token from POST /oidc/token (client_credentials). Rejects with the OAuth error on a non-200. */
  /**
   * `roles`: custom claims, as Logto's custom-claims script adds them (`roles: [...]`);
   * `actor`: the `act: { sub }` claim (RFC 8693 §4.1) of a Logto token-exchange token.
   */
  getToken(opts?: { scope?: string; resource?: string; organizationId?: string; roles?: string[]; actor?: string }): Promise<string>;
  /**
   * An ID token for the web client `web-app`, signed the way oidc-provider signs
   * it at the end of an authorization-code sign-in, shaped like Logto's: no
   * `typ` in its header, `aud` the client id, `nonce` and `sid`, the profile claims.
   */
  getIdToken(opts?: { sub?: string; nonce?: string; sid?: string }): Promise<string>;
  /** Like Logto: an organization token (`aud` = `urn:logto:organization:<id>`) for organization permissions. */
  getOrganizationToken(organizationId: string, opts?: { scope?: string }): Promise<string>;
  /** Publish a new signing key first (new kid), keeping the old ones after it; new tokens use the new key. */
  rotateKey(): Promise<void>;
  /** Drop every key but the current one from the JWKS. */
  retireOldKeys(): Promise<void>;
  /**
   * Ends a session the way oidc-provider's end_session does: signs a real
   * logout token for `web-app` and POSTs it to `backchannelLogoutUri`.
   * Rejects when that endpoint does not answer 200/204.
   */
  backchannelLogout(sub: string, sid: string): Promise<void>;
  /** Stop the server and drop keep-alive sockets so the process can exit. */
  close(): Promise<void>;
}

const CLIENT_ID = 'm2m-test-app';
/** The client that receives back-channel logout tokens. */
export const WEB_CLIENT_ID = 'web-app';
const ORGANIZATION_URN = 'urn:logto:organization:';
const ORGANIZATION_SCOPES = ['read:members', 'invite:member'];
const CLIENT_SECRET = 'm2m-test-secret';

// oidc-provider ships no types and @types/oidc-provider is not installed: this
// is the little of its surface the helper touches.
type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;
interface OidcProviderModule {
  Provider: new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;
  errors: { InvalidTarget: new (description?: string) => Error };
}

interface OidcProvider {
  callback(): RequestHandler;
  Client: { find(id: string): Promise<OidcClient | undefined> };
  IdToken: new (claims: Record<string, unknown>, options: { client: OidcClient; ctx: undefined }) => { set(claim: string, value: unknown): void; issue(options: { use: 'idtoken' }): Promise<string> };
}

interface OidcClient {
  backchannelLogout(sub: string, sid: string): Promise<void>;
}

let oidcModule: Promise<OidcProviderModule> | undefined;

/** Imports oidc-provider once; the specifier is a variable so tsc does not look for its (missing) types. */
function loadOidcProvider(): Promise<OidcProviderModule> {
  const specifier = 'oidc-provider';
  // On import it warns that Node 20 is not a supported runtime; keep test output clean.
  oidcModule ??= muteOidcNotices(() => import(specifier) as Promise<OidcProviderModule>);
  return oidcModule;
}

/**
 * Runs `fn` with oidc-provider's own console notices ("oidc-provider WARNING: ...")
 * dropped; anything else still reaches the console.
 */
async function muteOidcNotices<T>(fn: () => T | Promise<T>): Promise<T> {
  const { warn, info } = console;
  const filter =
    (original: (...args: unknown[]) => void) =>
    (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider ')) return;
      original.apply(console, args);
    };
  console.warn = filter(warn);
  console.info = filter(info);
  try {
    return await fn();
  } finally {
    console.warn = warn;
    console.info = info;
  }
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** A private signing JWK for `alg` with a fresh random kid (Logto's kids are random too). */
async function makeSigningKey(alg: LogtoIssuerAlg): Promise<JsonWebKey> {
  const { privateKey } = await (() => {
    switch (alg) {
      case 'ES256':
        return generateKeyPairAsync('ec', { namedCurve: 'P-256' });
      case 'ES384':
        return generateKeyPairAsync('ec', { namedCurve: 'P-384' });
      case 'ES512':
        return generateKeyPairAsync('ec', { namedCurve: 'P-521' });
      case 'RS256':
      case 'PS256':
        return generateKeyPairAsync('rsa', { modulusLength: 2048 });
      case 'EdDSA':
        return generateKeyPairAsync('ed25519');
    }
  })();
  // `alg` pins the key to one algorithm: oidc-provider picks the signing key by
  // alg, and an RSA or Ed25519 key would otherwise be published without one.
  return { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(12).toString('base64url'), alg, use: 'sig' };
}

export async function startLogtoIssuer(opts: LogtoIssuerOptions = {}): Promise<LogtoIssuer> {
  const alg = opts.alg ?? 'ES384';
  const audience = opts.audience ?? 'https://api.example.test';
  const scopes = opts.scopes ?? ['read:data', 'write:data'];
  const organizations = opts.organizations ?? ['org_1', 'org_2'];
  const { Provider, errors } = await loadOidcProvider();

  let keys = [await makeSigningKey(alg)];
  let handle: RequestHandler | undefined;
  let current: OidcProvider | undefined;
  let jwksHits = 0;

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    // Logto serves its OIDC endpoints under /oidc; anything else is not ours.
    if (!handle || !url.startsWith('/oidc/')) {
      res.statusCode = 404;
      res.end();
      return;
    }
    if (req.method === 'GET' && url.split('?')[0] === '/oidc/jwks') jwksHits++;
    // Mount the way express does: the provider routes on the stripped url and
    // derives the mount path (for discovery's endpoint URLs) from originalUrl.
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
    req.url = url.slice('/oidc'.length);
    handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const logtoUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${logtoUrl}/oidc`;

  // oidc-provider fixes its keystore at construction, so a key change builds a
  // fresh Provider for the same issuer and swaps it in behind the same server.
  // Tokens are stateless JWTs, so nothing is lost with the old instance's store.
  const install = () =>
    muteOidcNotices(() => {
      const provider = new Provider(issuer, {
        // Only the client_credentials grant; no login UI, no dev keys.
        clients: [
          {
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            grant_types: ['client_credentials'],
            response_types: [],
            redirect_uris: [],
          },
          // the traditional web app: its ID tokens, and its logout tokens when a back-channel endpoint is given
          {
            client_id: WEB_CLIENT_ID,
            client_secret: 'web-app-secret',
            grant_types: ['authorization_code'],
            response_types: ['code'],
            redirect_uris: ['http://127.0.0.1/callback'],
            ...(opts.backchannelLogoutUri ? { backchannel_logout_uri: opts.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
          },
        ],
        jwks: { keys },
        // Clients default to RS256 ID tokens, which only validates when an RSA
        // key is published; sign everything with the issuer's one algorithm.
        enabledJWA: { idTokenSigningAlgValues: [alg] },
        clientDefaults: { id_token_signed_response_alg: alg },
        cookies: { keys: [randomBytes(32).toString('base64url')] },
        // oidc-provider refuses outgoing requests to special-use addresses (SSRF
        // protection); the back-channel logout endpoint under test is on loopback
        fetch: (url: string, init: RequestInit & { dispatcher?: unknown }) => {
          const { dispatcher: _dispatcher, ...rest } = init;
          return fetch(url, rest);
        },
        features: {
          devInteractions: { enabled: false },
          backchannelLogout: { enabled: opts.backchannelLogoutUri !== undefined },
          clientCredentials: { enabled: true },
          resourceIndicators: {
            enabled: true,
            // Like Logto's API resources: a JWT access token, aud = the indicator,
            // signed by the current key for `alg`, valid for an hour.
            getResourceServerInfo: (_ctx: unknown, indicator: string) => {
              // Logto's organization tokens: the resource is urn:logto:organization:<id>
              const organization = organizations.find((id) => indicator === `${ORGANIZATION_URN}${id}`);
              if (opts.shortLivedAudience !== undefined && indicator === opts.shortLivedAudience) {
                return { scope: scopes.join(' '), audience: indicator, accessTokenFormat: 'jwt', accessTokenTTL: 1, jwt: { sign: { alg } } };
              }
              if (indicator !== audience && !organization) throw new errors.InvalidTarget();
              const scope = organization ? ORGANIZATION_SCOPES.join(' ') : scopes.join(' ');
              return { scope, audience: indicator, accessTokenFormat: 'jwt', accessTokenTTL: 3600, jwt: { sign: { alg } } };
            },
          },
        },
        // Logto's organization-level API resources: a token for the API resource
        // that also names the organization it was asked for (organization_id).
        // The token endpoint knows no such parameter, so it is read from the raw body.
        // Custom claims (Logto's custom-claims script) and the actor of a token-exchange
        // token come the same way: test-only body parameters roles and actor.
        extraTokenClaims: (ctx: { oidc?: { body?: Record<string, unknown> } }) => {
          const { organization_id: organization, roles, actor } = ctx.oidc?.body ?? {};
          const claims: Record<string, unknown> = {};
          if (typeof organization === 'string' && organizations.includes(organization)) claims.organization_id = organization;
          if (typeof roles === 'string') claims.roles = roles === '' ? [] : roles.split(' ');
          if (typeof actor === 'string') claims.act = { sub: actor };
          return Object.keys(claims).length > 0 ? claims : undefined;
        },
        // the short-lived resource's tokens expire after a second (oidc-provider takes a client
        // credentials token's lifetime from here, not from the resource server's accessTokenTTL)
        ttl: { IdToken: 3600, ClientCredentials: (_ctx: unknown, token: { aud?: unknown }) => (opts.shortLivedAudience !== undefined && token.aud === opts.shortLivedAudience ? 1 : 3600) },
      });
      current = provider;
      handle = provider.callback();
    });
  await install();

  async function getToken({ scope = scopes.join(' '), resource = audience, organizationId, roles, actor }: { scope?: string; resource?: string; organizationId?: string; roles?: string[]; actor?: string } = {}): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'client_credentials', resource });
    if (scope) body.set('scope', scope);
    if (organizationId) body.set('organization_id', organizationId);
    if (roles) body.set('roles', roles.join(' '));
    if (actor) body.set('actor', actor);
    const credentials = Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64');
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${credentials}`, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const json = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
    if (!response.ok || !json.access_token) {
      throw new Error(`token endpoint answered ${response.status}: ${json.error ?? 'no access_token'}${json.error_description ? ` (${json.error_description})` : ''}`);
    }
    return json.access_token;
  }

  return {
    logtoUrl,
    issuer,
    jwksUri: `${issuer}/jwks`,
    audience,
    alg,
    clientId: CLIENT_ID,
    scopes: [...scopes],
    jwksHits: () => jwksHits,
    getToken,
    getOrganizationToken: (organizationId, { scope = ORGANIZATION_SCOPES.join(' ') } = {}) => getToken({ resource: `${ORGANIZATION_URN}${organizationId}`, scope }),
    async rotateKey() {
      keys = [await makeSigningKey(alg), ...keys];
      await install();
    },
    async retireOldKeys() {
      keys = keys.slice(0, 1);
      await install();
    },
    async getIdToken({ sub = 'user_123', nonce = randomBytes(8).toString('hex'), sid = randomBytes(32).toString('base64url') } = {}) {
      const client = await current?.Client.find(WEB_CLIENT_ID);
      if (!client) throw new Error('the issuer is closed');
      // oidc-provider signs ID tokens without "typ", as Logto's (fixtures/logto-1.42/04-user-tokens.json);
      // the profile claims are those Logto adds for the openid, profile and organizations scopes
      const idToken = new current!.IdToken({ sub }, { client, ctx: undefined });
      const profile: Record<string, unknown> = { sub, name: 'Alice', preferred_username: 'alice', picture: null, updated_at: Date.now(), username: 'alice', created_at: Date.now() - 60_000, organizations: [...organizations], organization_roles: organizations.map((id) => `${id}:member`), nonce, sid };
      for (const [claim, value] of Object.entries(profile)) idToken.set(claim, value);
      return idToken.issue({ use: 'idtoken' });
    },
    async backchannelLogout(sub, sid) {
      const client = await current?.Client.find(WEB_CLIENT_ID);
      if (!client || opts.backchannelLogoutUri === undefined) throw new Error('back-channel logout is not enabled: pass backchannelLogoutUri');
      await client.backchannelLogout(sub, sid);
    },
    close: () =>
      new Promise<void>((resolve) => {
        handle = undefined;
        server.closeAllConnections();
        // Resolves on a second close too (the callback then gets ERR_SERVER_NOT_RUNNING).
        server.close(() => resolve());
      }),
  };
}
