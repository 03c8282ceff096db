/**
 * Koa (2 and 3) middleware. Structural types only: koa is not imported, at
 * run time or for types.
 * @see https://koajs.com/#application
 * @module
 */
// ClaimPredicate and OrganizationSource are imported so the emitted .d.ts names the guards'
// types; left out, tsc writes import("./<adapter>.js"), which the .d.cts build does not rewrite
import { guardsFor, requirementError, type ClaimPredicate, type OrganizationSource, type Requirement } from '../authorize/requirements.js';
import { unauthenticatedContext, type AuthContext } from '../context.js';
import { resolveOptions, type VerifyAuthOptions } from '../options.js';
import { isCorsPreflight } from '../request/preflight.js';
import type { HeadersLike, RequestLike } from '../request/token-source.js';
import { authenticate, type AuthOutcome } from '../verify.js';
import { challengeFor, errorAnswer, guardChallenge, guestSetCookie, noteForGuards, PREFLIGHT_STATUS, type ChallengeOptions } from './http-answer.js';

export { claimIncludes, claimEquals, checkRequirements } from '../authorize/requirements.js';
export type { Requirement, OrganizationSource, ClaimPredicate } from '../authorize/requirements.js';
export { resourceMetadataHandler, resourceMetadataPath, protectedResourceMetadata } from '../authorize/resource-metadata.js';

/**
 * The Koa state the middleware fills: `new Koa<AuthState>()` or
 * `Router<AuthState>` types `ctx.state.auth` as `AuthContext`.
 */
export interface AuthState {
  auth: AuthContext;
}

/** The parts of a Koa `Context` the middleware and the guards read and write. */
export interface KoaContextLike {
  method: string;
  /** Koa's `ctx.secure`: `https`, or `X-Forwarded-Proto` when `app.proxy` is on. */
  secure?: boolean;
  /** Node's request: its headers, and `rawHeaders`, which show a repeated `Authorization`. */
  req: { headers: HeadersLike; rawHeaders?: string[] };
  state: { auth?: AuthContext };
  /** Route parameters, as `@koa/router` sets them. */
  params?: Record<string, string>;
  status: number;
  body: unknown;
  set(name: string, value: string): void;
  append(name: string, value: string): void;
}

/** A Koa middleware: `(ctx, next)`. */
export type KoaAuthMiddleware = (ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<unknown>;

/**
 * Creates the middleware. On success it sets `ctx.state.auth` and calls
 * `next()` (adding the guest `Set-Cookie` when it made a new guest id); on
 * failure it answers with the error's status, `{ error, message }` as JSON,
 * and the RFC 6750 challenge (`Retry-After` for a 503), byte for byte what the
 * Express middleware sends, and does not call `next()`. A CORS preflight
 * passes through with an unauthenticated context (`isAuthenticated: false`,
 * `userId: null`). The options are read once, here: bad options throw
 * `TypeError` here. Needs no body or cookie parser.
 */
export function createKoaAuthMiddleware(options: VerifyAuthOptions): KoaAuthMiddleware {
  const resolved = resolveOptions(options, { fresh: true });
  const challenge = challengeFor(resolved);
  const notes = { challenge, onEvent: resolved.onEvent }; // what the guards after it read, one object per middleware
  const proceed = (ctx: KoaContextLike, next: () => Promise<unknown>, outcome: AuthOutcome): Promise<unknown> => {
    if (outcome.error) {
      send(ctx, outcome.error, challenge);
      return Promise.resolve();
    }
    // Koa's append keeps a Set-Cookie another middleware already set
    const cookie = guestSetCookie(outcome, resolved.guestCookieName);
    if (cookie !== undefined) ctx.append('set-cookie', cookie);
    noteForGuards(outcome.auth, notes);
    ctx.state.auth = outcome.auth;
    return next();
  };
  // Not async: a remembered token goes on to next() in the same turn, and
  // the downstream promise goes back to Koa as it is.
  return function logtoAuth(ctx, next) {
    try {
      if (isCorsPreflight(ctx.method, ctx.req.headers)) {
        ctx.state.auth = unauthenticatedContext();
        return next();
      }
      const outcome = authenticate(inputOf(ctx), resolved);
      return outcome instanceof Promise ? outcome.then((settled) => proceed(ctx, next, settled)) : proceed(ctx, next, outcome);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

function inputOf(ctx: KoaContextLike): RequestLike & { method: string } {
  return {
    headers: ctx.req.headers,
    method: ctx.method,
    // read only to mark a new guest cookie Secure: Koa's getter checks the socket and app.proxy
    get secure() {
      return ctx.secure === true;
    },
    // two Authorization fields are ambiguous (TOKEN_MALFORMED); Node's rawHeaders still show them
    rawHeaders: ctx.req.rawHeaders,
  };
}

/** A Koa guard: `(ctx, next)`, after the auth middleware. */
export type KoaGuard = KoaAuthMiddleware;

/**
 * Per-route guards over the `ctx.state.auth` the auth middleware set, with no
 * second verification: `app.use(auth)`, then
 * `router.post('/admin', requireScopes('admin'), handler)`. A failure answers
 * like the auth middleware: 401 `TOKEN_MISSING` for a guest, else a 403
 * (`SCOPE_MISSING`, `ORGANIZATION_INVALID`, `CLAIM_INVALID`, `ACTOR_INVALID`)
 * with `error="insufficient_scope"`. A guard with no auth before it throws
 * (Koa answers 500): mount the auth middleware first. A CORS preflight is
 * answered 204 by the guard, never by the handler.
 * `{ param }` reads `ctx.params` (`@koa/router`); a function gets `ctx`.
 */
export const { guard, requireScopes, requireAnyScope, requireOrganization, requireClaims, requireActor, forbidActor, requireUser, requireMachine, requireClients } = guardsFor(koaGuard);

function koaGuard(requirement: Requirement<KoaContextLike>, name: string): KoaGuard {
  return async function logtoGuard(ctx, next) {
    // a preflight carries no token: answered here, the guarded handler never runs unauthenticated
    if (isCorsPreflight(ctx.method, ctx.req.headers)) {
      ctx.status = PREFLIGHT_STATUS;
      return;
    }
    const auth = ctx.state.auth;
    if (auth === undefined) throw new Error(`logto-authkit: ${name}() found no ctx.state.auth: mount the auth middleware (createKoaAuthMiddleware) before the guard`);
    const error = requirementError(auth, requirement, { raw: ctx, params: ctx.params, headers: ctx.req.headers });
    if (error) return send(ctx, error, guardChallenge(auth, error));
    return next();
  };
}

function send(ctx: KoaContextLike, error: Parameters<typeof errorAnswer>[0], challenge?: ChallengeOptions): void {
  const answer = errorAnswer(error, challenge);
  ctx.status = answer.status;
  // headers before the body: Koa keeps a Content-Type already set instead of guessing text/plain
  for (const [name, value] of Object.entries(answer.headers)) ctx.set(name, value);
  ctx.body = answer.body;
}
