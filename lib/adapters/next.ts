/**
 * Next.js App Router: `withAuth` to wrap a route handler, `protectRequest` for
 * a `proxy.ts` (Next 16) or `middleware.ts` (Next 15, edge), and
 * `verifyNextAuth` for code that wants the outcome as a value. Works on any
 * Fetch `Request` (`NextRequest` included), in Next's Node and edge runtimes;
 * next is not imported.
 * @module
 */
// ClaimPredicate and OrganizationSource are imported so the emitted .d.ts names the guards'
// types; left out, tsc writes import("./<adapter>.js"), which the .d.cts build does not rewrite
import { guardsFor, requirementError, type ClaimPredicate, type OrganizationSource, type Requirement } from '../authorize/requirements.js';
import { unauthenticatedContext, type AuthContext, type AuthenticatedContext, type GuestContext } from '../context.js';
import type { AuthErrorCode, AuthErrorStatus } from '../errors.js';
import { resolveOptions, type VerifyAuthOptions } from '../options.js';
import { isCorsPreflight } from '../request/preflight.js';
import type { RequestLike } from '../request/token-source.js';
import { authenticate } from '../verify.js';
import { challengeFor, errorResponse, guardChallenge, guestSetCookie, noteForGuards, preflightResponse } from './http-answer.js';

// re-exported so a proxy built by hand needs this entry point alone
export { errorResponse } from './http-answer.js';
export { serializeGuestCookie } from '../request/cookies.js';
export { claimIncludes, claimEquals, checkRequirements } from '../authorize/requirements.js';
export type { Requirement, OrganizationSource, ClaimPredicate } from '../authorize/requirements.js';
export { resourceMetadataHandler, resourceMetadataPath, protectedResourceMetadata } from '../authorize/resource-metadata.js';

/**
 * `verifyNextAuth` succeeded: a user, or a guest in guest mode. The failure's
 * fields are declared `undefined` here (and the success's on the failure) so
 * `if (!result.success)` narrows with and without `strictNullChecks`: the
 * tsconfig `next build` writes has `strict: false`, where a union that lacks
 * them gives TS2339 on `result.code`.
 */
export interface NextAuthSuccess<Claims extends object = {}> {
  success: true;
  /** The verified user, or a guest in guest mode. */
  auth: AuthenticatedContext<Claims> | GuestContext;
  /** True when guest mode made a new guest id: send `setCookie` so the browser keeps it. */
  newGuestId: boolean;
  /** The ready guest `Set-Cookie` value when `newGuestId` (`Secure` on https), else `undefined`. */
  setCookie: string | undefined;
  error?: undefined;
  code?: undefined;
  status?: undefined;
}

/** `verifyNextAuth` failed: `error` is the message, `code` and `status` those of the `AuthError`. */
export interface NextAuthFailure {
  success: false;
  error: string;
  code: AuthErrorCode;
  status: AuthErrorStatus;
  auth?: undefined;
  newGuestId?: undefined;
  setCookie?: undefined;
}

/** The outcome of `verifyNextAuth`: a guest context counts as success. */
export type NextAuthResult<Claims extends object = {}> = NextAuthSuccess<Claims> | NextAuthFailure;

/**
 * Verifies the request's token. Never rejects for an `AuthError` (a 503
 * included): the failure comes back as `{ success: false, error, code, status }`.
 * Only bad options reject, with a `TypeError`. A new guest id is in
 * `auth.guestId`, flagged by `newGuestId: true`, with its `Set-Cookie` value
 * ready in `setCookie` for the caller to send. Does not let CORS preflights
 * through: that is the caller's choice here (`protectRequest` and `withAuth` do).
 */
export async function verifyNextAuth<Claims extends object = {}>(request: Request | RequestLike, options: VerifyAuthOptions): Promise<NextAuthResult<Claims>> {
  const resolved = resolveOptions(options);
  const outcome = await authenticate(request as RequestLike, resolved);
  if (outcome.error) return { success: false, error: outcome.error.message, code: outcome.error.code, status: outcome.error.status };
  // authenticate's context is a verified token's (contextOf) or a guest's; Claims is the caller's word
  return { success: true, auth: outcome.auth as AuthenticatedContext<Claims> | GuestContext, newGuestId: outcome.newGuestId, setCookie: guestSetCookie(outcome, resolved.guestCookieName) };
}

/** What `protectRequest` calls for an allowed request: the response to send on (`NextResponse.next()`, a rewrite...), or `undefined` to continue. */
export type OnAllowed = (auth: AuthContext) => Response | undefined | Promise<Response | undefined>;

/**
 * For a `proxy.ts` or `middleware.ts`: verifies the request and resolves to
 * the `Response` to send, or `undefined` to let the request through. A
 * failure is the same JSON error and headers as `withAuth` and the Express
 * middleware. When allowed, resolves to what `onAllowed(auth)` returns
 * (`undefined` without it), with the guest `Set-Cookie` appended when guest
 * mode made a new id: in guest mode pass `onAllowed` (e.g.
 * `() => NextResponse.next()`), or no cookie can reach the browser and each
 * request gets a new guest id. A CORS preflight is not authenticated: it goes
 * to `onAllowed` with an unauthenticated context. Bad options reject with a
 * `TypeError`. Options are read at each call, cached while the object is
 * unchanged.
 */
export async function protectRequest(request: Request, options: VerifyAuthOptions, onAllowed?: OnAllowed): Promise<Response | undefined> {
  const resolved = resolveOptions(options);
  if (isCorsPreflight(request.method, request.headers)) return onAllowed?.(unauthenticatedContext());
  const outcome = await authenticate(request as unknown as RequestLike, resolved);
  const challenge = challengeFor(resolved);
  if (outcome.error) return errorResponse(outcome.error, challenge);
  noteForGuards(outcome.auth, { challenge, onEvent: resolved.onEvent });
  const response = await onAllowed?.(outcome.auth);
  const cookie = guestSetCookie(outcome, resolved.guestCookieName);
  return cookie === undefined || response === undefined ? response : withHeader(response, 'set-cookie', cookie);
}

/**
 * A route handler wrapped by `withAuth`, called only when the request is
 * allowed; it gets the request type it was called with, and `Auth`: the
 * verified user's context (`AuthenticatedContext<MyClaims>`) where no guest
 * can arrive, else that or a `GuestContext`.
 */
export type AuthenticatedHandler<Context, Req extends Request = Request, Auth extends AuthContext<any> = AuthenticatedContext> = (request: Req, auth: Auth, context: Context) => Response | Promise<Response>;

/** What `withAuth` returns: an App Router route handler. */
export type RouteHandler<Context, Req extends Request = Request> = (request: Req, context: Context) => Promise<Response>;

/**
 * Wraps an App Router route handler: calls `handler(request, auth, context)`
 * when allowed, else answers with the same JSON error and headers as the
 * Express middleware. `request` keeps its type: annotate it `NextRequest` to
 * use `request.nextUrl`. Appends the guest `Set-Cookie` to the handler's
 * response when a new guest id was made. A CORS preflight is not
 * authenticated: the handler gets it with an unauthenticated context
 * (`isAuthenticated: false`, `userId: null`); only a handler exported as
 * `OPTIONS` can see one, which its `auth` type does not say. Without
 * `allowGuest: true` the handler's `auth` is an `AuthenticatedContext<Claims>`
 * (`userId` and `payload` never null); with it, that or a `GuestContext`.
 * Bad options throw `TypeError` here; options given as a function
 * (`RuntimeOptions`) are read at the first request instead, for an image
 * built without the Logto variables.
 * With a `requirement`, the route is also guarded: `withAuth(handler, options,
 * { scopes: ['admin'] })` is `withAuth(withGuard({ scopes: ['admin'] }, handler), options)`.
 */
// guest mode on: the handler gets the user or a guest
export function withAuth<Context = unknown, Req extends Request = Request, Claims extends object = {}>(handler: AuthenticatedHandler<Context, Req, AuthenticatedContext<Claims> | GuestContext>, options: (VerifyAuthOptions & { allowGuest: true }) | (() => VerifyAuthOptions & { allowGuest: true }), requirement?: Requirement<Req>): RouteHandler<Context, Req>;
// guest mode off (the default): the handler gets a verified user, `auth.payload` never null
export function withAuth<Context = unknown, Req extends Request = Request, Claims extends object = {}>(handler: AuthenticatedHandler<Context, Req, AuthenticatedContext<Claims>>, options: (VerifyAuthOptions & { allowGuest?: false }) | (() => VerifyAuthOptions & { allowGuest?: false }), requirement?: Requirement<Req>): RouteHandler<Context, Req>;
// options whose allowGuest is not known when compiling: either
export function withAuth<Context = unknown, Req extends Request = Request, Claims extends object = {}>(handler: AuthenticatedHandler<Context, Req, AuthenticatedContext<Claims> | GuestContext>, options: VerifyAuthOptions | RuntimeOptions, requirement?: Requirement<Req>): RouteHandler<Context, Req>;
export function withAuth<Context, Req extends Request>(handler: AuthenticatedHandler<Context, Req, any>, options: VerifyAuthOptions | RuntimeOptions, requirement?: Requirement<Req>): RouteHandler<Context, Req> {
  // `next build` loads every route module: options given as a function are read
  // at the first request instead, so an image built once needs no LOGTO_* variables
  let prepared = typeof options === 'function' ? undefined : prepareOptions(options);
  if (requirement !== undefined) handler = guard(requirement as Requirement<Request>)(handler);
  return async function authenticatedHandler(request, context) {
    // bad run-time options throw here: Next answers 500 and logs the TypeError, never lets the request through
    prepared ??= prepareOptions((options as RuntimeOptions)());
    const { resolved, challenge, notes } = prepared;
    if (isCorsPreflight(request.method, request.headers)) return handler(request, unauthenticatedContext(), context);
    const outcome = await authenticate(request as unknown as RequestLike, resolved);
    if (outcome.error) return errorResponse(outcome.error, challenge);
    noteForGuards(outcome.auth, notes);
    const response = await handler(request, outcome.auth, context);
    const cookie = guestSetCookie(outcome, resolved.guestCookieName);
    return cookie === undefined ? response : withHeader(response, 'set-cookie', cookie);
  };
}

/**
 * Options read at run time: `withAuth(handler, () => ({ logtoUrl: process.env.LOGTO_URL!, ... }))`.
 * Called at the first request (not when `next build` loads the route), then
 * kept; until it returns valid options, each request calls it again and is
 * answered 500 with the `TypeError` in Next's log.
 */
export type RuntimeOptions = () => VerifyAuthOptions;

function prepareOptions(options: VerifyAuthOptions) {
  const resolved = resolveOptions(options, { fresh: true });
  const challenge = challengeFor(resolved);
  const notes = { challenge, onEvent: resolved.onEvent }; // what the guards after it read, one object per handler
  return { resolved, challenge, notes };
}

/**
 * A Next guard: wraps a `withAuth` handler, and calls it only when the
 * requirement holds, so the handler always gets a verified user (a guest is
 * answered 401) whatever `withAuth`'s options.
 */
export type NextGuard = <Context, Req extends Request, Claims extends object = {}>(handler: AuthenticatedHandler<Context, Req, AuthenticatedContext<Claims>>) => AuthenticatedHandler<Context, Req, AuthContext>;

/**
 * Per-route guards for `withAuth` handlers, over the `auth` it verified (no
 * second verification): `withAuth(requireScopes('admin')(handler), options)`.
 * A failure is 401 `TOKEN_MISSING` for a guest, else a 403 (`SCOPE_MISSING`,
 * `ORGANIZATION_INVALID`, `CLAIM_INVALID`, `ACTOR_INVALID`) with
 * `error="insufficient_scope"`. `{ param }` reads the route's `params` (awaited
 * in Next 15 and 16); a function gets the `Request`. A guarded handler called
 * without `withAuth` around it throws (a 500). A CORS preflight is answered
 * 204 and never reaches the handler.
 */
export const { guard, requireScopes, requireAnyScope, requireOrganization, requireClaims, requireActor, forbidActor, requireUser, requireMachine, requireClients } = guardsFor(nextGuard);

/** `guard(requirement)(handler)`: the route handler, guarded. */
export function withGuard<Context, Req extends Request, Claims extends object = {}>(requirement: Requirement<Req>, handler: AuthenticatedHandler<Context, Req, AuthenticatedContext<Claims>>): AuthenticatedHandler<Context, Req, AuthContext> {
  return guard(requirement as Requirement<Request>)(handler);
}

/**
 * For a proxy (`protectRequest`'s `onAllowed`): the error `Response` when
 * `auth` fails `requirement`, else `undefined`:
 * `(auth) => guardResponse(request, auth, { scopes: ['admin'] }) ?? NextResponse.next()`.
 * A proxy has no route parameters: take the organization from a header or a
 * function of the request. A CORS preflight gets a 204 (the route behind the
 * proxy is not run for it).
 */
export function guardResponse(request: Request, auth: AuthContext, requirement: Requirement<Request>): Response | undefined {
  if (isCorsPreflight(request.method, request.headers)) return preflightResponse();
  const error = requirementError(auth, requirement, { raw: request, headers: request.headers });
  return error === undefined ? undefined : errorResponse(error, guardChallenge(auth, error));
}

function nextGuard(requirement: Requirement<Request>, name: string): NextGuard {
  return <Context, Req extends Request, Claims extends object>(handler: AuthenticatedHandler<Context, Req, AuthenticatedContext<Claims>>): AuthenticatedHandler<Context, Req, AuthContext> =>
    async function guardedHandler(request, auth, context) {
      if (isCorsPreflight(request.method, request.headers)) return preflightResponse();
      if (typeof auth?.isAuthenticated !== 'boolean') throw new Error(`logto-authkit: ${name}() got no auth: wrap the guarded handler in withAuth(handler, options)`);
      // Next 15 and 16 hand params as a promise, Next 14 as an object
      const params = (await (context as { params?: unknown } | undefined)?.params) as Record<string, unknown> | undefined;
      const error = requirementError(auth, requirement as Requirement<unknown>, { raw: request, params, headers: request.headers });
      // requirementError refuses every context that is not a verified user's (401 TOKEN_MISSING)
      return error === undefined ? handler(request, auth as AuthenticatedContext<Claims>, context) : errorResponse(error, guardChallenge(auth, error));
    };
}

// a Response from fetch() or Response.redirect() has immutable headers: copy it then
function withHeader(response: Response, name: string, value: string): Response {
  try {
    response.headers.append(name, value);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    copy.headers.append(name, value);
    return copy;
  }
}
