/**
 * Hapi (21) auth scheme. Structural types only: @hapi/hapi and @hapi/boom
 * are not imported, at run time or for types.
 * @see https://hapi.dev/api/#authentication-scheme
 * @module
 */
// ClaimPredicate and OrganizationSource are imported so the emitted .d.ts names the guards'
// types; left out, tsc writes import("./<adapter>.js"), which the .d.cts build does not rewrite
import { guardsFor, requirementError, type ClaimPredicate, type OrganizationSource, type Requirement } from '../authorize/requirements.js';
import { unauthenticatedContext, type AuthContext } from '../context.js';
import { AuthError } from '../errors.js';
import { resolveOptions, type VerifyAuthOptions } from '../options.js';
import { isCorsPreflight } from '../request/preflight.js';
import type { HeadersLike, RequestLike } from '../request/token-source.js';
import { authenticate, type AuthOutcome } from '../verify.js';
import { challengeFor, errorAnswer, guardChallenge, guestSetCookie, noteForGuards, PREFLIGHT_STATUS, type ChallengeOptions } from './http-answer.js';

export { claimIncludes, claimEquals, checkRequirements } from '../authorize/requirements.js';
export type { Requirement, OrganizationSource, ClaimPredicate } from '../authorize/requirements.js';
export { resourceMetadataHandler, resourceMetadataPath, protectedResourceMetadata } from '../authorize/resource-metadata.js';

/** The scheme's name: `server.auth.strategy('logto', HAPI_SCHEME_NAME, options)`. */
export const HAPI_SCHEME_NAME = 'logto';

/**
 * `request.auth.credentials`: the `AuthContext`, and its granted scopes as the
 * list Hapi's route `access: { scope }` reads (empty for a guest).
 */
export type HapiCredentials = AuthContext & { scope: string[] };

/** The parts of a Hapi response the scheme and the guards write. */
export interface HapiResponseLike {
  code(statusCode: number): HapiResponseLike;
  header(name: string, value: string, options?: { append?: boolean }): HapiResponseLike;
  takeover(): HapiResponseLike;
}

/** The parts of a Hapi response toolkit (`h`) the scheme and the guards use. */
export interface HapiToolkitLike {
  continue: symbol;
  response(value?: string): HapiResponseLike;
  authenticated(data: { credentials: HapiCredentials }): object;
  unauthenticated(error: Error, data?: { credentials: HapiCredentials }): object;
}

/** The parts of a Hapi request the scheme and the guards read. */
export interface HapiRequestLike {
  /** Lower-case names, as Node parsed them (Hapi types them `unknown`). */
  headers: Record<string, unknown>;
  /** Node's request: its method as sent, and `rawHeaders`, which show a repeated `Authorization`. */
  raw: { req: { method?: string; rawHeaders?: string[] } };
  params?: Record<string, unknown>;
  auth: { mode?: string; strategy?: string | null; credentials?: unknown; isAuthenticated?: boolean };
  server: { info: { protocol: string } };
  response?: unknown;
}

/** A Boom error as Hapi's `onPreResponse` sees it: the 403 of a route's `access.scope`. */
interface BoomLike {
  isBoom: true;
  message: string;
  output: { statusCode: number; headers: Record<string, unknown> };
  data?: { need?: Array<{ required?: string[]; selection?: string[]; forbidden?: string[] }> } | null;
}

/** The parts of a Hapi server the scheme uses. */
export interface HapiServerLike {
  // Hapi's own types overload ext(): `never` lets a hapi Server fit; the scheme calls ext('onPreResponse', method)
  ext(...args: never[]): unknown;
}

/** What the scheme and the guards hand Hapi: `h.continue`, `h.authenticated(...)`, or a takeover response. */
export type HapiAnswer = object | symbol;

/** What a scheme returns to Hapi. */
export interface HapiSchemeMethods {
  authenticate(request: HapiRequestLike, h: HapiToolkitLike): HapiAnswer | Promise<HapiAnswer>;
  options: { payload: false };
}

/** A Hapi auth scheme: `server.auth.scheme(HAPI_SCHEME_NAME, hapiLogtoScheme)`. */
export type HapiScheme = (server: HapiServerLike, options?: VerifyAuthOptions) => HapiSchemeMethods;

/** What a Hapi plugin is: `await server.register({ plugin: hapiLogtoAuth, options })`. */
export interface HapiPluginLike {
  name: string;
  register(server: HapiAuthServerLike, options: HapiPluginOptions): void;
}

/** The plugin's options: the `VerifyAuthOptions`, the strategy's name (default `'logto'`) and whether it is the server's default (default `true`). */
export type HapiPluginOptions = VerifyAuthOptions & { strategy?: string; default?: boolean };

/** The parts of a Hapi server the plugin uses (`never`: Hapi's own, richer signatures fit). */
export interface HapiAuthServerLike {
  auth: { scheme(...args: never[]): unknown; strategy(...args: never[]): unknown; default(...args: never[]): unknown };
}

interface HapiAuthApi {
  scheme(name: string, scheme: HapiScheme): unknown;
  strategy(name: string, scheme: string, options: VerifyAuthOptions): unknown;
  default(name: string): unknown;
}

// a new guest's Set-Cookie, waiting for the response: the scheme runs before it exists
const pendingCookies = new WeakMap<object, string>();

/**
 * The auth scheme. `server.auth.strategy(name, HAPI_SCHEME_NAME, options)`
 * reads the options once (bad options throw `TypeError` there). On success,
 * `request.auth.credentials` is the `AuthContext` with `scope` as a list, so a
 * route's `options.auth.access.scope` works as Hapi users write it
 * (`['a', 'b']`: any of them; `['+a', '+b']`: all of them). On failure the
 * request is answered with the error's status, `{ error, message }` as JSON
 * and the RFC 6750 challenge, byte for byte what the Express middleware sends;
 * and a route scope Hapi refuses is answered as the guards answer it (403
 * `SCOPE_MISSING` with `scope="..."` in the challenge), not with Hapi's own
 * `Insufficient scope`. Auth mode `'try'` lets a failed request through with
 * `request.auth.error`; `'optional'` lets a request without a token through.
 * A CORS preflight passes with an unauthenticated context.
 */
export const hapiLogtoScheme: HapiScheme = (server, options) => {
  if (options === undefined) throw new TypeError('logto-authkit: server.auth.strategy(name, "logto", options) needs the options');
  const resolved = resolveOptions(options, { fresh: true });
  const challenge = challengeFor(resolved);
  const notes = { challenge, onEvent: resolved.onEvent }; // what the guards after it read, one object per strategy
  const settle = (request: HapiRequestLike, h: HapiToolkitLike, outcome: AuthOutcome): HapiAnswer => {
    if (outcome.error) return refuse(request, h, outcome.error, challenge);
    const credentials = credentialsOf(outcome.auth);
    const cookie = guestSetCookie(outcome, resolved.guestCookieName);
    if (cookie !== undefined) pendingCookies.set(request, cookie);
    noteForGuards(credentials, notes);
    return h.authenticated({ credentials });
  };
  const late = (request: HapiRequestLike, h: HapiToolkitLike): HapiAnswer => answerLate(request, h, challenge);
  (server.ext as (event: 'onPreResponse', method: typeof late) => unknown)('onPreResponse', late);
  return {
    options: { payload: false },
    authenticate(request, h) {
      const method = request.raw.req.method;
      if (isCorsPreflight(method, request.headers as HeadersLike)) return h.authenticated({ credentials: credentialsOf(unauthenticatedContext()) });
      const outcome = authenticate(inputOf(request), resolved);
      return outcome instanceof Promise ? outcome.then((settled) => settle(request, h, settled)) : settle(request, h, outcome);
    },
  };
};

/**
 * A Hapi plugin that adds the scheme and one strategy (`'logto'` unless
 * `strategy` names another), the server's default unless `default: false`:
 * `await server.register({ plugin: hapiLogtoAuth, options: { logtoUrl, audience } })`.
 */
export const hapiLogtoAuth: HapiPluginLike = {
  name: 'logto-authkit',
  register(server, { strategy = 'logto', default: isDefault = true, ...options }) {
    const auth = server.auth as unknown as HapiAuthApi;
    auth.scheme(HAPI_SCHEME_NAME, hapiLogtoScheme);
    auth.strategy(strategy, HAPI_SCHEME_NAME, options);
    if (isDefault) auth.default(strategy);
  },
};

function credentialsOf(auth: AuthContext): HapiCredentials {
  const scope = typeof auth.payload?.scope === 'string' ? auth.payload.scope.split(' ').filter((name) => name !== '') : [];
  return { ...auth, scope };
}

function inputOf(request: HapiRequestLike): RequestLike & { method: string } {
  return {
    headers: request.headers as HeadersLike,
    method: request.raw.req.method ?? 'GET', // Hapi's request.method is lower-cased; Node's is as sent
    // read only to mark a new guest cookie Secure
    get secure() {
      return request.server.info.protocol === 'https';
    },
    // two Authorization fields are ambiguous (TOKEN_MALFORMED); Node's rawHeaders still show them
    rawHeaders: request.raw.req.rawHeaders,
  };
}

// Hapi's auth modes: 'try' goes on with any failure, 'optional' with no token;
// a failure Hapi should go on from is handed back as an Error it knows what to do with.
function refuse(request: HapiRequestLike, h: HapiToolkitLike, error: AuthError, challenge: ChallengeOptions): HapiAnswer {
  const mode = request.auth.mode;
  if (mode === 'try') return h.unauthenticated(error);
  // Hapi reads isMissing and the challenge of a missing credential (hapi lib/auth.js, internals.validate)
  if (mode === 'optional' && error.code === 'TOKEN_MISSING') return h.unauthenticated(Object.assign(error, { isMissing: true, output: { headers: {} } }));
  return respond(h, error, challenge);
}

function respond(h: HapiToolkitLike, error: AuthError, challenge: ChallengeOptions | undefined): HapiResponseLike {
  const answer = errorAnswer(error, challenge);
  const response = h.response(answer.body).code(answer.status);
  for (const [name, value] of Object.entries(answer.headers)) response.header(name, value);
  return response.takeover();
}

// The response exists only now: the new guest's cookie goes on it, and Hapi's
// own 403 for a route's access.scope becomes the guards' answer.
function answerLate(request: HapiRequestLike, h: HapiToolkitLike, challenge: ChallengeOptions): HapiAnswer {
  const response = request.response as (HapiResponseLike & Partial<BoomLike>) | undefined;
  const cookie = pendingCookies.get(request);
  pendingCookies.delete(request); // once, when several logto strategies each added this extension
  if (cookie !== undefined && response) {
    if (response.isBoom) appendBoomHeader(response as BoomLike, 'set-cookie', cookie);
    else response.header('set-cookie', cookie, { append: true });
  }
  if (!response?.isBoom || response.output?.statusCode !== 403 || response.message !== 'Insufficient scope') return h.continue;
  const credentials = request.auth.credentials as HapiCredentials | null | undefined;
  if (!credentials || !Array.isArray(credentials.scope) || typeof credentials.isAuthenticated !== 'boolean') return h.continue; // another scheme's credentials
  const need = response.data?.need?.[0] ?? {};
  const requirement: Requirement = {};
  if (need.required?.length) requirement.scopes = need.required;
  if (need.selection?.length) requirement.anyScope = need.selection;
  const error =
    requirementError(credentials, requirement) ??
    // a forbidden scope ('!name') has no requirement of ours; the message names none
    new AuthError('SCOPE_MISSING', 'the token has a scope this route refuses', { detail: { claim: 'scope', actual: credentials.scope } });
  return respond(h, error, guardChallenge(credentials, error) ?? challenge);
}

function appendBoomHeader(response: BoomLike, name: string, value: string): void {
  const previous = response.output.headers[name];
  response.output.headers[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
}

/** A Hapi guard: a lifecycle method for a route's `options.pre` (or `options.ext.onPreHandler`). */
export type HapiGuard = (request: HapiRequestLike, h: HapiToolkitLike) => HapiAnswer;

/**
 * Per-route guards over `request.auth.credentials`, with no second
 * verification, for what `access.scope` cannot say:
 * `options: { pre: [requireOrganization({ param: 'orgId' })] }`. A failure
 * answers like the scheme: 401 `TOKEN_MISSING` for a guest, else a 403
 * (`SCOPE_MISSING`, `ORGANIZATION_INVALID`, `CLAIM_INVALID`, `ACTOR_INVALID`)
 * with `error="insufficient_scope"`. A guard on a route this scheme did not
 * authenticate throws (a 500). A CORS preflight passes. `{ param }` reads
 * `request.params`; a function gets `request`.
 */
export const { guard, requireScopes, requireAnyScope, requireOrganization, requireClaims, requireActor, forbidActor, requireUser, requireMachine, requireClients } = guardsFor(hapiGuard);

function hapiGuard(requirement: Requirement<HapiRequestLike>, name: string): HapiGuard {
  return function logtoGuard(request, h) {
    // a preflight carries no token: answered here, the guarded handler never runs unauthenticated
    if (isCorsPreflight(request.raw.req.method, request.headers as HeadersLike)) return h.response().code(PREFLIGHT_STATUS).takeover();
    const auth = request.auth.credentials as HapiCredentials | null | undefined;
    if (!auth || typeof auth.isAuthenticated !== 'boolean') throw new Error(`logto-authkit: ${name}() found no logto credentials: authenticate the route with the logto scheme before the guard`);
    const error = requirementError(auth, requirement, { raw: request, params: request.params, headers: request.headers as HeadersLike });
    if (error) return respond(h, error, guardChallenge(auth, error));
    return h.continue;
  };
}
