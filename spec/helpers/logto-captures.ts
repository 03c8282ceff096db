// What a real Logto 1.42 emitted (fixtures/logto-1.42/, see its README): the
// tokens by name, the JWKS it served, and a fetch that serves that JWKS with no
// socket, for specs that replay the captures with the clock fixed at the
// capture time (the issuer no longer runs; its tokens lived 3600 s).
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../fixtures/logto-1.42/', import.meta.url);

/** Parses one JSON file of fixtures/logto-1.42/. */
export function readCapture<T = any>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, ROOT), 'utf8')) as T;
}

const discovery = readCapture('01-discovery.json');

/** The captured tenant: its `logtoUrl`, issuer, API resource, ids. */
export const CAPTURED = Object.freeze({
  logtoUrl: 'http://127.0.0.1:3001',
  issuer: discovery.openidConfiguration.issuer as string,
  jwksUri: discovery.openidConfiguration.jwks_uri as string,
  audience: 'https://api.example.test',
  organizationId: 'guyifi88ghtb',
  userId: 'u42cluwhkh9h',
  /** the traditional web app alice signed in with */
  webClientId: 'tydro7w02q1i7gkzcas9p',
  /** the machine-to-machine app (its tokens' `sub` equals `client_id`) */
  m2mClientId: 'a91qw2jzkc0mntv6fi3fc',
});

/** The JWKS Logto served (one ES384 key). */
export const CAPTURED_JWKS: { keys: Record<string, unknown>[] } = discovery.jwks;

export interface CapturedToken {
  /** where it comes from: `file#path` */
  name: string;
  raw: string;
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  opaque?: boolean;
}

function token(file: string, path: string): CapturedToken {
  let node: any = readCapture(file);
  for (const part of path.split('.')) node = node[part];
  return { name: `${file.replace(/\.json$/, '')}#${path}`, raw: node.raw, header: node.header, claims: node.claims, opaque: node.opaque };
}

/** Every token in the captures, by a short name. */
export const CAPTURED_TOKENS = Object.freeze({
  m2m: token('02-client-credentials.json', 'accessToken'),
  m2mNoScope: token('02-client-credentials.json', 'accessTokenNoScopeParam'),
  m2mOrganization: token('03a-m2m-organization-tokens.json', 'organizationToken.accessToken'),
  m2mOrganizationApi: token('03a-m2m-organization-tokens.json', 'organizationApiResourceToken.accessToken'),
  userOrganization: token('03b-user-organization-tokens.json', 'organizationToken.accessToken'),
  userOrganizationApi: token('03b-user-organization-tokens.json', 'organizationApiResourceToken.accessToken'),
  user: token('04-user-tokens.json', 'authorizationCodeGrant.accessToken'),
  idToken: token('04-user-tokens.json', 'authorizationCodeGrant.idToken'),
  opaque: token('04-user-tokens.json', 'refreshNoResource.accessToken'),
  idTokenFromRefresh: token('04-user-tokens.json', 'refreshNoResource.idToken'),
  userFromRefresh: token('04-user-tokens.json', 'refreshApi.accessToken'),
  impersonation: token('04b-token-exchange.json', 'tokenExchange.accessToken'),
  impersonationWithActor: token('04b-token-exchange.json', 'tokenExchangeWithActor.accessToken'),
  sidIdToken: token('05b-custom-jwt-sid.json', 'idToken'),
  sidUser: token('05b-custom-jwt-sid.json', 'authorizationCode'),
  sidUserFromRefresh: token('05b-custom-jwt-sid.json', 'refresh'),
  sidOrganizationApi: token('05b-custom-jwt-sid.json', 'organizationApiResource'),
  sidOrganization: token('05b-custom-jwt-sid.json', 'organizationToken'),
  logoutToken: token('07-backchannel-logout.json', 'deliveries.0.logoutToken'),
});

export type CapturedTokenName = keyof typeof CAPTURED_TOKENS;

/**
 * A moment (ms since the epoch) at which every captured token is inside its
 * lifetime: the latest `iat` among them plus a few seconds (the access tokens
 * live 3600 s, the logout token 120 s, so this is also inside the logout token's).
 */
export const CAPTURE_TIME_MS = (() => {
  const issued = Object.values(CAPTURED_TOKENS).map((t) => (typeof t.claims?.iat === 'number' ? t.claims.iat : 0));
  return (Math.max(...issued) + 5) * 1000;
})();

/** A `fetch` for the options that serves the captured JWKS at the captured `jwks_uri` (404 elsewhere), counting requests. */
export function capturedJwksFetch(): typeof fetch & { calls: number } {
  const stub = (async (input: RequestInfo | URL) => {
    stub.calls++;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url !== CAPTURED.jwksUri) return new Response('not found', { status: 404 });
    return new Response(JSON.stringify(CAPTURED_JWKS), { status: 200, headers: { 'content-type': 'application/jwk-set+json; charset=utf-8', 'cache-control': 'no-cache, max-age=0, must-revalidate' } });
  }) as typeof fetch & { calls: number };
  stub.calls = 0;
  return stub;
}

/** The 50 webhook deliveries of 06-webhooks.json, with the hook's signing key. */
export function capturedWebhooks(): { signingKey: string; deliveries: Array<{ n: number; event: string; rawBody: string; headers: Record<string, string>; signatureHeader: string; [field: string]: unknown }> } {
  const file = readCapture('06-webhooks.json');
  return { signingKey: file.hook.signingKey, deliveries: file.deliveries };
}
