/**
 * Express (4 and 5) middleware. Structural types only: express is not imported,
 * and the middleware also runs on a bare `node:http` request and response.
 * @module
 */
// ClaimPredicate and OrganizationSource are imported so the emitted .d.ts names the guards'
// types; left out, tsc writes import("./<adapter>.js"), which the .d.cts build does not rewrite
import { guardsFor, requirementError, type ClaimPredicate, type OrganizationSource, type Requirement } from '../authorize/requirements.js';
import type { AuthContext } from '../context.js';

export type { Authenticated } from '../context.js';
import { resolveOptions, type VerifyAuthOptions } from '../options.js';
import { isCorsPreflight } from '../request/preflight.js';
import type { RequestLike } from '../request/token-source.js';
import { authenticate, type AuthOutcome } from '../verify.js';
import { challengeFor, errorAnswer, guardChallenge, guestSetCookie, noteForGuards, PREFLIGHT_STATUS, type ChallengeOptions } from './http-answer.js';

export { claimIncludes, claimEquals, checkRequirements } from '../authorize/requirements.js';
export type { Requirement, OrganizationSource, ClaimPredicate } from '../authorize/requirements.js';
export { resourceMetadataHandler, resourceMetadataPath, protectedResourceMetadata } from '../authorize/resource-metadata.js';

/** The parts of an Express/Node request the middleware reads. */
export type ExpressRequestLike = RequestLike & { method?: string };

/**
 * What the middleware adds to the request: use `req: express.Request & WithAuth`
 * in a handler. (No global augmentation of Express types: another library
 * may already declare its own `req.auth`.)
 */
export interface WithAuth<Claims extends object = {}> {
  auth?: AuthContext<Claims>;
}

/** The parts of a Node `ServerResponse` the middleware writes. */
export interface ExpressResponseLike {
  statusCode: number;
  setHeader(name: string, value: string | string[]): unknown;
  getHeader(name: string): number | string | string[] | undefined;
  end(body?: string): unknown;
  /** Node's: true once the status line went out (another middleware answered). */
  headersSent?: boolean;
  /** Node's: true once `end()` was called. */
  writableEnded?: boolean;
}

/** An Express (or `node:http`) middleware: `(req, res, next)`. */
export type ExpressAuthMiddleware = (req: ExpressRequestLike, res: ExpressResponseLike, next: (error?: unknown) => void) => void;

/**
 * Creates the middleware. On success it sets `req.auth` and calls `next()`
 * (setting the guest cookie when it made a new guest id); on failure it
 * answers with the error's status, `{ error, message }` as JSON, and the
 * RFC 6750 challenge (`Retry-After` for a 503). A CORS preflight passes
 * through unauthenticated. `next` is called exactly once, or not at all when
 * the middleware answered. Bad options throw `TypeError` here.
 */
export function createExpressAuthMiddleware(options: VerifyAuthOptions): ExpressAuthMiddleware {
  const resolved = resolveOptions(options, { fresh: true });
  const challenge = challengeFor(resolved);
  const notes = { challenge, onEvent: resolved.onEvent }; // what the guards after it read, one object per middleware
  const answer = (req: ExpressRequestLike, res: ExpressResponseLike, next: (error?: unknown) => void, outcome: AuthOutcome): void => {
    if (outcome.error) return send(res, outcome.error, challenge);
    const cookie = guestSetCookie(outcome, resolved.guestCookieName);
    if (cookie !== undefined) appendHeader(res, 'set-cookie', cookie);
    noteForGuards(outcome.auth, notes);
    (req as WithAuth).auth = outcome.auth;
    next();
  };
  return function logtoAuth(req, res, next) {
    if (isCorsPreflight(req.method, req.headers)) return next();
    let outcome: AuthOutcome | Promise<AuthOutcome>;
    try {
      outcome = authenticate(req, resolved);
    } catch (error) {
      return next(error);
    }
    // a remembered token is answered in this turn: next() runs now, not a microtask later
    if (outcome instanceof Promise) answerLater(outcome, res, (settled) => answer(req, res, next, settled), next);
    else answer(req, res, next, outcome);
  };
}

// After an await the response may be answered already (a timeout middleware,
// an app that gave up on the issuer): then nothing is written and next is not
// called, since a second answer throws ERR_HTTP_HEADERS_SENT where no one
// catches it, and an unhandled rejection ends the process. A next that throws
// (bare node:http has no router to catch it) lands here too: a 500 when
// nothing was sent, never a rejection.
function answerLater(outcome: Promise<AuthOutcome>, res: ExpressResponseLike, answer: (outcome: AuthOutcome) => void, next: (error?: unknown) => void): void {
  outcome
    .then(
      (settled) => (isAnswered(res) ? undefined : answer(settled)),
      (error: unknown) => (isAnswered(res) ? undefined : next(error)),
    )
    .catch(() => {
      if (isAnswered(res)) return;
      res.statusCode = 500;
      res.setHeader('cache-control', 'no-store');
      res.end();
    })
    .catch(() => undefined); // a response that refuses even that: the connection is the server's to close
}

function isAnswered(res: ExpressResponseLike): boolean {
  return res.headersSent === true || res.writableEnded === true;
}

/** An Express guard: `(req, res, next)`, after the auth middleware. */
export type ExpressGuard = ExpressAuthMiddleware;

/**
 * Per-route guards over the `req.auth` the auth middleware set, with no second
 * verification: `app.use('/api', auth)`, then
 * `app.post('/api/admin', requireScopes('admin'), handler)`. A failure answers
 * like the auth middleware: 401 `TOKEN_MISSING` for a guest, else a 403
 * (`SCOPE_MISSING`, `ORGANIZATION_INVALID`, `CLAIM_INVALID`, `ACTOR_INVALID`)
 * with `error="insufficient_scope"`. A guard with no `req.auth` before it
 * calls `next(error)` (a 500): mount the auth middleware first. A CORS
 * preflight is answered 204 here and never reaches the handler (a CORS layer
 * before it answers it first, or sets its headers for this 204).
 * `{ param }` reads `req.params`; a function gets `req`.
 */
export const { guard, requireScopes, requireAnyScope, requireOrganization, requireClaims, requireActor, forbidActor, requireUser, requireMachine, requireClients } = guardsFor(expressGuard);

function expressGuard(requirement: Requirement<ExpressRequestLike>, name: string): ExpressGuard {
  return function logtoGuard(req, res, next) {
    if (isCorsPreflight(req.method, req.headers)) return answerPreflight(res);
    const auth = (req as WithAuth).auth;
    if (auth === undefined) return next(new Error(`logto-authkit: ${name}() found no req.auth: mount the auth middleware (createExpressAuthMiddleware) before the guard`));
    let error;
    try {
      error = requirementError(auth, requirement, { raw: req, params: (req as { params?: Record<string, unknown> }).params, headers: req.headers });
    } catch (thrown) {
      return next(thrown); // a guard that reads a route parameter the route lacks
    }
    if (error) return send(res, error, guardChallenge(auth, error));
    next();
  };
}

function send(res: ExpressResponseLike, error: Parameters<typeof errorAnswer>[0], challenge?: ChallengeOptions): void {
  const answer = errorAnswer(error, challenge);
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.end(answer.body);
}

function answerPreflight(res: ExpressResponseLike): void {
  res.statusCode = PREFLIGHT_STATUS;
  res.end();
}

// another middleware may already have set cookies: add ours beside them
function appendHeader(res: ExpressResponseLike, name: string, value: string): void {
  const previous = res.getHeader(name);
  if (previous === undefined) res.setHeader(name, value);
  else res.setHeader(name, Array.isArray(previous) ? [...previous, value] : [String(previous), value]);
}
