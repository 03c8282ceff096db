/**
 * MCP servers on Logto: this library's verification behind the MCP TypeScript
 * SDK's token verifier (`requireBearerAuth({ verifier })` of
 * `@modelcontextprotocol/sdk` 1.x), filling the SDK's `AuthInfo`, and per-tool
 * scopes answered with the step-up challenge the MCP authorization spec asks
 * for. Structural types only: the SDK is not imported, at run time or for
 * types; its error classes are passed in, since its middleware tells errors
 * apart with `instanceof`.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization
 * @module
 */
import type { AuthContext } from '../context.js';
import { AuthError } from '../errors.js';
import { resolveOptions, type ResolvedOptions, type VerifyAuthOptions } from '../options.js';
import { authenticate } from '../verify.js';
import { challengeFor, errorAnswer, type ChallengeOptions } from './http-answer.js';

export { resourceMetadataHandler, resourceMetadataPath, protectedResourceMetadata } from '../authorize/resource-metadata.js';

/** The SDK's `AuthInfo` (`@modelcontextprotocol/sdk/server/auth/types.js`), as this library fills it. */
export interface McpAuthInfo {
  /** The access token, as the SDK's interface requires: the SDK hands it to tool handlers as `extra.authInfo.token`; never log it. */
  token: string;
  /** The token's `client_id` (the MCP client Logto issued it to). */
  clientId: string;
  /** The token's `scope` claim as a list; empty when it has none. */
  scopes: string[];
  /** `exp`, in seconds since the epoch. */
  expiresAt: number;
  /** RFC 8707: the audience this API accepted the token for, when it is a URL. */
  resource?: URL;
  /** `{ auth }`: this library's context for the token (user, organization, actor, claims). */
  extra: { auth: AuthContext };
}

/** The SDK's error classes (`@modelcontextprotocol/sdk/server/auth/errors.js`) the verifier throws, so `requireBearerAuth` answers 401, 403 or 500. */
export interface McpSdkErrors {
  InvalidTokenError: new (message: string) => Error;
  InsufficientScopeError: new (message: string) => Error;
  ServerError: new (message: string) => Error;
}

/** The SDK's `OAuthTokenVerifier`. */
export interface McpTokenVerifier {
  verifyAccessToken(token: string): Promise<McpAuthInfo>;
}

/**
 * A token verifier for the MCP SDK:
 * `requireBearerAuth({ verifier: createMcpTokenVerifier(options, errors), resourceMetadataUrl })`.
 * Each token goes through the whole of this library's verification (the
 * verified-token cache, revocation, `requiredScope`, organizations); a 401 code
 * becomes the SDK's `InvalidTokenError`, a 403 its `InsufficientScopeError`, a
 * 503 (`JWKS_UNAVAILABLE`) its `ServerError`, each with this library's message
 * (never the token). Guest mode does not apply: no token is no caller.
 * The options are read once, here: bad options throw `TypeError` here.
 */
export function createMcpTokenVerifier(options: VerifyAuthOptions, errors: McpSdkErrors): McpTokenVerifier {
  const resolved = resolveOptions(options, { fresh: true });
  if (typeof errors?.InvalidTokenError !== 'function' || typeof errors.InsufficientScopeError !== 'function' || typeof errors.ServerError !== 'function') {
    throw new TypeError("logto-authkit: createMcpTokenVerifier needs the SDK's error classes: import * as errors from '@modelcontextprotocol/sdk/server/auth/errors.js'");
  }
  return {
    async verifyAccessToken(token: string): Promise<McpAuthInfo> {
      const outcome = await authenticate(token, resolved);
      if (outcome.error) throw sdkError(outcome.error, errors);
      if (!outcome.auth.isAuthenticated || outcome.auth.payload === null) throw new errors.InvalidTokenError('the access token did not authenticate');
      return authInfoOf(outcome.auth, token, resolved);
    },
  };
}

/**
 * The SDK's `AuthInfo` for a context this library verified (`c.var.auth`,
 * `req.auth`), for transports that take it directly
 * (`transport.handleRequest(request, { authInfo })`); `options` are the ones
 * the context was verified with.
 */
export function authInfoFor(auth: AuthContext, token: string, options: VerifyAuthOptions): McpAuthInfo {
  return authInfoOf(auth, token, resolveOptions(options));
}

// the context already holds what AuthInfo asks (split and frozen once per token, context.ts): read, not derived again
function authInfoOf(auth: AuthContext, token: string, options: ResolvedOptions): McpAuthInfo {
  const payload = auth.payload ?? {};
  const scopes = auth.scopes === undefined ? scopesOf(payload.scope) : [...auth.scopes];
  const info: McpAuthInfo = { token, clientId: auth.clientId ?? (typeof payload.client_id === 'string' ? payload.client_id : ''), scopes, expiresAt: auth.expiresAt ?? (payload.exp as number), extra: { auth } };
  const resource = acceptedAudience(payload.aud, options);
  if (resource !== undefined && URL.canParse(resource)) info.resource = new URL(resource);
  return info;
}

function sdkError(error: AuthError, errors: McpSdkErrors): Error {
  if (error.status === 401) return new errors.InvalidTokenError(error.message);
  if (error.status === 403) return new errors.InsufficientScopeError(error.message);
  return new errors.ServerError(error.message);
}

// the first of the token's audiences this API accepts (checkClaims made sure there is one)
function acceptedAudience(aud: unknown, options: ResolvedOptions): string | undefined {
  const audiences = Array.isArray(aud) ? aud : [aud];
  return audiences.find((value): value is string => typeof value === 'string' && options.expected.audiences.has(value));
}

function scopesOf(scope: unknown): string[] {
  return typeof scope === 'string' ? scope.split(' ').filter((part) => part !== '') : [];
}

/** Which scopes each tool needs, by tool name: `{ delete_note: ['write:notes'] }`. A tool not named needs none beyond the route's. */
export type ToolScopes = Readonly<Record<string, readonly string[]>>;

/**
 * Why a JSON-RPC request body may not run with these scopes: the
 * `SCOPE_MISSING` (403) error for the first `tools/call` (batches included)
 * whose tool needs a scope the token lacks, with every scope that tool needs
 * as the challenge's `scope`; `undefined` when it may run. `auth` is this
 * library's context or the SDK's `AuthInfo`.
 */
export function toolScopeError(body: unknown, auth: ScopeHolder | undefined, toolScopes: ToolScopes): AuthError | undefined {
  const granted = new Set(grantedScopes(auth));
  for (const message of Array.isArray(body) ? body : [body]) {
    const tool = toolCalled(message);
    if (tool === undefined || !Object.hasOwn(toolScopes, tool)) continue;
    const needed = toolScopes[tool]!;
    if (needed.every((scope) => granted.has(scope))) continue;
    // RFC 6750 §3.1 insufficient_scope with scope: what the tool needs, so the client steps up to it (MCP "Step-Up Authorization Flow")
    return new AuthError('SCOPE_MISSING', `the tool "${tool}" needs a scope the access token lacks`, { detail: { claim: 'scope', expected: [...needed] } });
  }
  return undefined;
}

function toolCalled(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { method, params } = message as { method?: unknown; params?: { name?: unknown } };
  if (method !== 'tools/call' || typeof params !== 'object' || params === null) return undefined;
  return typeof params.name === 'string' ? params.name : undefined;
}

/** What carries a token's scopes: this library's context, or the SDK's `AuthInfo` (whoever authenticated the request). */
export type ScopeHolder = Pick<AuthContext, 'payload'> | { readonly scopes: readonly string[] };

function grantedScopes(auth: unknown): readonly string[] {
  if (typeof auth !== 'object' || auth === null) return [];
  const { scopes, payload } = auth as { scopes?: unknown; payload?: { scope?: unknown } | null };
  if (Array.isArray(scopes)) return scopes.filter((scope): scope is string => typeof scope === 'string');
  return scopesOf(payload?.scope);
}

/** The parts of an Express/`node:http` request and response `requireToolScopes` uses. */
export interface ToolScopesRequestLike {
  body?: unknown;
  /** set by the auth before it: this library's context or the SDK's `AuthInfo` */
  auth?: unknown;
}
export interface ToolScopesResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/**
 * Express middleware for per-tool scopes, after the auth (this library's
 * middleware or the SDK's `requireBearerAuth`) and `express.json()`: a
 * `tools/call` for a tool whose scopes the token lacks is answered 403 with
 * `WWW-Authenticate: Bearer error="insufficient_scope", scope="<the tool's
 * scopes>", resource_metadata="..."` before the MCP transport sees it, so the
 * client steps up (MCP authorization, "Scope Challenge Handling"). `options`
 * (the auth's options) supply `resource_metadata`.
 */
export function requireToolScopes(toolScopes: ToolScopes, options?: VerifyAuthOptions): (req: ToolScopesRequestLike, res: ToolScopesResponseLike, next: (error?: unknown) => void) => void {
  const scopes = snapshot(toolScopes);
  const challenge: ChallengeOptions = options === undefined ? {} : challengeFor(resolveOptions(options, { fresh: true }));
  return function logtoToolScopes(req, res, next) {
    const error = toolScopeError(req.body, req.auth as ScopeHolder | undefined, scopes);
    if (error === undefined) return next();
    const answer = errorAnswer(error, challenge);
    res.statusCode = answer.status;
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.end(answer.body);
  };
}

/** The same check for Fetch handlers (Hono, Workers): the 403 `Response`, or `undefined` when the call may run. */
export function toolScopeResponse(body: unknown, auth: ScopeHolder | undefined, toolScopes: ToolScopes, options?: VerifyAuthOptions): Response | undefined {
  const error = toolScopeError(body, auth, toolScopes);
  if (error === undefined) return undefined;
  const answer = errorAnswer(error, options === undefined ? {} : challengeFor(resolveOptions(options)));
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

// read once, like every factory's options: a later change to the caller's object changes nothing
function snapshot(toolScopes: ToolScopes): ToolScopes {
  if (typeof toolScopes !== 'object' || toolScopes === null) throw new TypeError('logto-authkit: requireToolScopes takes { toolName: [scopes] }');
  const copy: Record<string, readonly string[]> = Object.create(null);
  for (const [tool, scopes] of Object.entries(toolScopes)) {
    if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((scope) => typeof scope === 'string' && scope !== '' && !scope.includes(' '))) {
      throw new TypeError(`logto-authkit: requireToolScopes: the scopes of "${tool}" must be a non-empty list of single scopes`);
    }
    copy[tool] = Object.freeze([...scopes]);
  }
  return Object.freeze(copy);
}
