/**
 * Next.js App Router: `verifyNextAuth` for middleware and handlers, `withAuth`
 * to wrap a route handler. Works on any Fetch `Request` (`NextRequest`
 * included), in Next's Node and edge runtimes; next is not imported.
 * @module
 */
import type { AuthContext } from './claims.js';
import { serializeGuestCookie } from './cookies.js';
import { errorBody, errorHeaders, type AuthError, type AuthErrorCode } from './errors.js';
import { resolveOptions, type VerifyAuthOptions } from './options.js';
import type { RequestLike } from './token-source.js';
import { authenticate } from './verify.js';

/** The outcome of `verifyNextAuth`: a guest context counts as success. */
export type NextAuthResult =
  | { success: true; auth: AuthContext }
  | { success: false; error: string; code: AuthErrorCode; status: number };

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

/** A route handler wrapped by `withAuth`, called only when the request is allowed. */
export type AuthenticatedHandler<Context> = (request: Request, auth: AuthContext, context: Context) => Response | Promise<Response>;

/**
 * Wraps an App Router route handler: calls `handler(request, auth, context)`
 * when allowed, else answers with the same JSON error and headers as the
 * Express middleware. Appends the guest `Set-Cookie` to the handler's
 * response when a new guest id was made. Bad options throw `TypeError` here.
 */
export function withAuth<Context = unknown>(handler: AuthenticatedHandler<Context>, options: VerifyAuthOptions): (request: Request, context: Context) => Promise<Response> {
  const resolved = resolveOptions(options);
  return async function authenticatedHandler(request, context) {
    const outcome = await authenticate(request as unknown as RequestLike, resolved);
    if (outcome.error) return errorResponse(outcome.error);
    const response = await handler(request, outcome.auth, context);
    if (!outcome.newGuestId) return response;
    return withHeader(response, 'set-cookie', serializeGuestCookie(resolved.guestCookieName, outcome.auth.guestId!, outcome.secure));
  };
}

/** The JSON error `Response` the shims send for an `AuthError`. */
export function errorResponse(error: AuthError): Response {
  return new Response(JSON.stringify(errorBody(error)), {
    status: error.status,
    headers: { ...errorHeaders(error), 'content-type': 'application/json; charset=utf-8' },
  });
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
