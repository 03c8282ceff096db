/**
 * Next.js App Router: `verifyNextAuth` for a proxy or a handler, `withAuth`
 * to wrap a route handler. Works on any Fetch `Request` (`NextRequest`
 * included), in Next's Node and edge runtimes; next is not imported.
 * @module
 */
import { unauthenticatedContext, type AuthContext } from '../context.js';
import type { AuthErrorCode, AuthErrorStatus } from '../errors.js';
import { resolveOptions, type VerifyAuthOptions } from '../options.js';
import { isCorsPreflight } from '../request/preflight.js';
import type { RequestLike } from '../request/token-source.js';
import { authenticate } from '../verify.js';
import { errorResponse, guestSetCookie } from './http-answer.js';

/** The outcome of `verifyNextAuth`: a guest context counts as success. */
export type NextAuthResult =
  | { success: true; auth: AuthContext }
  | { success: false; error: string; code: AuthErrorCode; status: AuthErrorStatus };

/**
 * Verifies the request's token. Never rejects for an `AuthError` (a 503
 * included): the failure comes back as `{ success: false, error, code, status }`.
 * Only bad options reject, with a `TypeError`. A new guest id is in
 * `auth.guestId`, for the caller to set as a cookie.
 */
export async function verifyNextAuth(request: Request | RequestLike, options: VerifyAuthOptions): Promise<NextAuthResult> {
  const outcome = await authenticate(request as RequestLike, resolveOptions(options));
  if (outcome.error) return { success: false, error: outcome.error.message, code: outcome.error.code, status: outcome.error.status };
  return { success: true, auth: outcome.auth };
}

/** A route handler wrapped by `withAuth`, called only when the request is allowed; it gets the request type it was called with. */
export type AuthenticatedHandler<Context, Req extends Request = Request> = (request: Req, auth: AuthContext, context: Context) => Response | Promise<Response>;

/**
 * Wraps an App Router route handler: calls `handler(request, auth, context)`
 * when allowed, else answers with the same JSON error and headers as the
 * Express middleware. Appends the guest `Set-Cookie` to the handler's
 * response when a new guest id was made. A CORS preflight is not
 * authenticated: the handler gets it with an unauthenticated context
 * (`isAuthenticated: false`, `userId: null`). Bad options throw `TypeError` here.
 */
export function withAuth<Context = unknown, Req extends Request = Request>(handler: AuthenticatedHandler<Context, Req>, options: VerifyAuthOptions): (request: Req, context: Context) => Promise<Response> {
  const resolved = resolveOptions(options, { fresh: true });
  return async function authenticatedHandler(request, context) {
    if (isCorsPreflight(request.method, request.headers)) return handler(request, unauthenticatedContext(), context);
    const outcome = await authenticate(request as unknown as RequestLike, resolved);
    if (outcome.error) return errorResponse(outcome.error);
    const response = await handler(request, outcome.auth, context);
    const cookie = guestSetCookie(outcome, resolved.guestCookieName);
    return cookie === undefined ? response : withHeader(response, 'set-cookie', cookie);
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
