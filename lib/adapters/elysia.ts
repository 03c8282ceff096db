/**
 * Elysia (1.x, on Bun): a `derive` handler that puts the context on `auth`,
 * a functional plugin around it, and guards as `beforeHandle` hooks.
 * Structural types only: elysia is not imported, at run time or for types.
 * @see https://elysiajs.com/essential/life-cycle.html#derive
 * @module
 */
// ClaimPredicate and OrganizationSource are imported so the emitted .d.ts names the guards'
// types; left out, tsc writes import("./<adapter>.js"), which the .d.cts build does not rewrite
import { guardsFor, requirementError, type ClaimPredicate, type OrganizationSource, type Requirement } from '../authorize/requirements.js';
import { unauthenticatedContext, type AuthContext } from '../context.js';
import { resolveOptions, type VerifyAuthOptions } from '../options.js';
import { isCorsPreflight } from '../request/preflight.js';
import type { RequestLike } from '../request/token-source.js';
import { authenticate, type AuthOutcome } from '../verify.js';
import { challengeFor, errorResponse, guardChallenge, guestSetCookie, noteForGuards, preflightResponse } from './http-answer.js';

export { claimIncludes, claimEquals, checkRequirements } from '../authorize/requirements.js';
export type { Requirement, OrganizationSource, ClaimPredicate } from '../authorize/requirements.js';
export { resourceMetadataHandler, resourceMetadataPath, protectedResourceMetadata } from '../authorize/resource-metadata.js';

/** The parts of an Elysia context the derive handler reads and writes. */
export interface ElysiaContextLike {
  request: Request;
  // Elysia's own `set.headers` holds numbers too (HTTPHeaders): a narrower type refuses `.derive(logtoAuth(...))`
  set: { headers: Record<string, string | number | string[] | undefined> };
}

/** The derive handler: `app.derive(logtoAuth(options))` types `auth` in every handler after it. */
export type ElysiaAuthDerive = (context: ElysiaContextLike) => { auth: AuthContext } | Promise<{ auth: AuthContext }>;

/**
 * Creates the derive handler. On success it returns `{ auth }` (Elysia adds it
 * to the context of every later hook and handler), adding the guest
 * `Set-Cookie` to `set.headers` when it made a new guest id; on failure it
 * throws the same `Response` (status, JSON body `{ error, message }`, RFC 6750
 * challenge, `Retry-After` for a 503) as every other adapter, which Elysia
 * sends as it is, before body or query validation. A CORS preflight passes
 * with an unauthenticated context. Bad options throw `TypeError` here.
 */
export function logtoAuth(options: VerifyAuthOptions): ElysiaAuthDerive {
  const resolved = resolveOptions(options, { fresh: true });
  const challenge = challengeFor(resolved);
  const notes = { challenge, onEvent: resolved.onEvent }; // what the guards after it read, one object per derive
  const settle = (context: ElysiaContextLike, outcome: AuthOutcome): { auth: AuthContext } => {
    // Elysia sends a thrown Response as it is (and runs no handler)
    if (outcome.error) throw errorResponse(outcome.error, challenge);
    const cookie = guestSetCookie(outcome, resolved.guestCookieName);
    if (cookie !== undefined) appendCookie(context.set.headers, cookie);
    noteForGuards(outcome.auth, notes);
    return { auth: outcome.auth };
  };
  return function deriveAuth(context) {
    const request = context.request;
    if (isCorsPreflight(request.method, request.headers)) return { auth: unauthenticatedContext() };
    const outcome = authenticate(request as unknown as RequestLike, resolved);
    return outcome instanceof Promise ? outcome.then((settled) => settle(context, settled)) : settle(context, outcome);
  };
}

// another hook may already have set a cookie: add ours beside it
function appendCookie(headers: ElysiaContextLike['set']['headers'], cookie: string): void {
  const previous = headers['set-cookie'];
  headers['set-cookie'] = previous === undefined ? cookie : [...(Array.isArray(previous) ? previous : [String(previous)]), cookie];
}

/** The parts of an Elysia app the plugin uses. */
export interface ElysiaAppLike {
  derive(options: { as: 'global' | 'scoped' }, handler: ElysiaAuthDerive): unknown;
}

/**
 * A functional plugin: `app.use(elysiaLogtoAuth(options))` derives `auth` for
 * every route after it, in the app and in every app it is used in
 * (`as: 'global'`). For `auth` to be typed in handlers, write
 * `app.derive(logtoAuth(options))` instead: Elysia types a derive from its
 * handler's return type.
 */
export function elysiaLogtoAuth(options: VerifyAuthOptions): <App extends ElysiaAppLike>(app: App) => App {
  const derive = logtoAuth(options);
  return (app) => app.derive({ as: 'global' }, derive) as typeof app;
}

/** The parts of an Elysia context a guard reads. */
export interface ElysiaGuardContextLike {
  request: Request;
  auth?: AuthContext;
  params?: Record<string, string>;
}

/** An Elysia guard: a `beforeHandle` hook after the derive, answering a `Response` only to refuse. */
export type ElysiaGuard = (context: ElysiaGuardContextLike) => Response | undefined;

/**
 * Per-route guards over the `auth` the derive set, with no second
 * verification: `app.get('/admin', handler, { beforeHandle: requireScopes('admin') })`.
 * A failure answers like the derive: 401 `TOKEN_MISSING` for a guest, else a
 * 403 (`SCOPE_MISSING`, `ORGANIZATION_INVALID`, `CLAIM_INVALID`,
 * `ACTOR_INVALID`) with `error="insufficient_scope"`. A guard with no `auth`
 * before it throws (a 500): derive it first. A CORS preflight is answered 204
 * by the guard, never by the handler.
 * `{ param }` reads the route's `params`; a function gets the context.
 */
export const { guard, requireScopes, requireAnyScope, requireOrganization, requireClaims, requireActor, forbidActor, requireUser, requireMachine, requireClients } = guardsFor(elysiaGuard);

function elysiaGuard(requirement: Requirement<ElysiaGuardContextLike>, name: string): ElysiaGuard {
  return function logtoGuard(context) {
    const request = context.request;
    // a preflight carries no token: answered here, the guarded handler never runs unauthenticated
    if (isCorsPreflight(request.method, request.headers)) return preflightResponse();
    const auth = context.auth;
    if (auth === undefined) throw new Error(`logto-authkit: ${name}() found no auth in the context: derive it first (app.derive(logtoAuth(options)))`);
    const error = requirementError(auth, requirement, { raw: context, params: context.params, headers: request.headers });
    return error ? errorResponse(error, guardChallenge(auth, error)) : undefined;
  };
}
