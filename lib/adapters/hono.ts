/**
 * Hono middleware, for every runtime Hono runs on (Workers, Bun, Deno, Node).
 * Structural types only: hono is not imported, at run time or for types.
 * @see https://hono.dev/docs/guides/middleware
 * @module
 */
// ClaimPredicate and OrganizationSource are imported so the emitted .d.ts names the guards'
// types; left out, tsc writes import("./<adapter>.js"), which the .d.cts build does not rewrite
import { guardsFor, requirementError, type ClaimPredicate, type OrganizationSource, type Requirement } from '../authorize/requirements.js';
import { unauthenticatedContext, type AuthContext, type AuthenticatedContext } from '../context.js';
import { resolveOptions, type VerifyAuthOptions } from '../options.js';
import { isCorsPreflight } from '../request/preflight.js';
import type { RequestLike } from '../request/token-source.js';
import { authenticate, type AuthOutcome } from '../verify.js';
import { challengeFor, errorResponse, guardChallenge, guestSetCookie, noteForGuards, preflightResponse } from './http-answer.js';

export { claimIncludes, claimEquals, checkRequirements } from '../authorize/requirements.js';
export type { Requirement, OrganizationSource, ClaimPredicate } from '../authorize/requirements.js';
export { resourceMetadataHandler, resourceMetadataPath, protectedResourceMetadata } from '../authorize/resource-metadata.js';

/**
 * The Hono `Env` the middleware fills: `new Hono<AuthEnv>()` types
 * `c.get('auth')` and `c.var.auth` as `AuthContext`. Merge it with your own:
 * `{ Bindings: MyBindings; Variables: AuthEnv['Variables'] & MyVariables }`.
 */
export interface AuthEnv<Claims extends object = {}> {
  Variables: { auth: AuthContext<Claims> };
}

/**
 * `AuthEnv` for an app without guest mode: `new Hono<AuthenticatedEnv<MyClaims>>()`
 * types `c.var.auth` as the verified user's context, `payload` never null
 * and carrying `MyClaims`. (A CORS preflight, which only an `OPTIONS` route
 * sees, gets an unauthenticated context.)
 */
export interface AuthenticatedEnv<Claims extends object = {}> {
  Variables: { auth: AuthenticatedContext<Claims> };
}

/** The parts of a Hono `Context` the middleware reads and writes. */
export interface HonoContextLike {
  req: { raw: Request };
  set(key: 'auth', value: AuthContext): void;
  header(name: string, value?: string, options?: { append?: boolean }): void;
}

/** A Hono middleware: `(c, next)`, answering a `Response` itself only on failure. */
export type HonoAuthMiddleware = (c: HonoContextLike, next: () => Promise<void>) => Promise<Response | void>;

/**
 * Creates the middleware. On success it sets `c.set('auth', context)` and
 * awaits `next()`, then adds the guest `Set-Cookie` to the response when it
 * made a new guest id; on failure it returns the same status, JSON body
 * `{ error, message }` and headers (the RFC 6750 challenge, `Retry-After` for
 * a 503) as the Express middleware. A CORS preflight passes through with an
 * unauthenticated context (`isAuthenticated: false`, `userId: null`). The
 * options are read once, here: bad options throw `TypeError` here.
 */
export function createHonoAuthMiddleware(options: VerifyAuthOptions): HonoAuthMiddleware {
  const resolved = resolveOptions(options, { fresh: true });
  const challenge = challengeFor(resolved);
  const notes = { challenge, onEvent: resolved.onEvent }; // what the guards after it read, one object per middleware
  // Not async: a remembered token goes on to next() in the same turn, and the
  // handler chain's own promise goes back to Hono (no async layer around it).
  const proceed = (c: HonoContextLike, next: () => Promise<void>, outcome: AuthOutcome): Promise<Response | void> => {
    if (outcome.error) return Promise.resolve(errorResponse(outcome.error, challenge));
    noteForGuards(outcome.auth, notes);
    c.set('auth', outcome.auth);
    const cookie = guestSetCookie(outcome, resolved.guestCookieName);
    if (cookie === undefined) return next();
    // after next(): the handler's response exists now; c.header copies it when its headers are immutable
    return next().then(() => c.header('set-cookie', cookie, { append: true }));
  };
  return function logtoAuth(c, next) {
    try {
      const request = c.req.raw;
      if (isCorsPreflight(request.method, request.headers)) {
        c.set('auth', unauthenticatedContext());
        return next();
      }
      const outcome = authenticate(request as unknown as RequestLike, resolved);
      return outcome instanceof Promise ? outcome.then((settled) => proceed(c, next, settled)) : proceed(c, next, outcome);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/** The parts of a Hono `Context` a guard reads. */
export interface HonoGuardContextLike {
  req: { raw: Request; param(): Record<string, string> };
  get(key: 'auth'): AuthContext | undefined;
}

/** A Hono guard: `(c, next)`, after the auth middleware. */
export type HonoGuard = (c: HonoGuardContextLike, next: () => Promise<void>) => Promise<Response | void>;

/**
 * Per-route guards over the `c.get('auth')` the auth middleware set, with no
 * second verification: `app.use('/api/*', auth)`, then
 * `app.post('/api/admin', requireScopes('admin'), handler)`. A failure answers
 * like the auth middleware: 401 `TOKEN_MISSING` for a guest, else a 403
 * (`SCOPE_MISSING`, `ORGANIZATION_INVALID`, `CLAIM_INVALID`, `ACTOR_INVALID`)
 * with `error="insufficient_scope"`. A guard with no auth before it throws
 * (Hono's `onError`, a 500): mount the auth middleware first. A CORS preflight
 * is answered 204 here and never reaches the handler (Hono's `cors()` before
 * it answers it first). `{ param }` reads `c.req.param()`; a function gets `c`.
 */
export const { guard, requireScopes, requireAnyScope, requireOrganization, requireClaims, requireActor, forbidActor, requireUser, requireMachine, requireClients } = guardsFor(honoGuard);

function honoGuard(requirement: Requirement<HonoGuardContextLike>, name: string): HonoGuard {
  return async function logtoGuard(c, next) {
    const request = c.req.raw;
    if (isCorsPreflight(request.method, request.headers)) return preflightResponse();
    const auth = c.get('auth');
    if (auth === undefined) throw new Error(`logto-authkit: ${name}() found no c.get('auth'): mount the auth middleware (createHonoAuthMiddleware) before the guard`);
    const error = requirementError(auth, requirement, { raw: c, params: c.req.param(), headers: request.headers });
    if (error) return errorResponse(error, guardChallenge(auth, error));
    return next();
  };
}
