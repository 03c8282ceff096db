/**
 * Hono middleware, for every runtime Hono runs on (Workers, Bun, Deno, Node).
 * Structural types only: hono is not imported, at run time or for types.
 * @see https://hono.dev/docs/guides/middleware
 * @module
 */
import { unauthenticatedContext, type AuthContext } from '../context.js';
import { resolveOptions, type VerifyAuthOptions } from '../options.js';
import { isCorsPreflight } from '../request/preflight.js';
import type { RequestLike } from '../request/token-source.js';
import { authenticate } from '../verify.js';
import { errorResponse, guestSetCookie } from './http-answer.js';

/**
 * The Hono `Env` the middleware fills: `new Hono<AuthEnv>()` types
 * `c.get('auth')` and `c.var.auth` as `AuthContext`. Merge it with your own:
 * `{ Bindings: MyBindings; Variables: AuthEnv['Variables'] & MyVariables }`.
 */
export interface AuthEnv {
  Variables: { auth: AuthContext };
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
  return async function logtoAuth(c, next) {
    const request = c.req.raw;
    if (isCorsPreflight(request.method, request.headers)) {
      c.set('auth', unauthenticatedContext());
      return next();
    }
    const outcome = await authenticate(request as unknown as RequestLike, resolved);
    if (outcome.error) return errorResponse(outcome.error);
    c.set('auth', outcome.auth);
    await next();
    // after next(): the handler's response exists now; c.header copies it when its headers are immutable
    const cookie = guestSetCookie(outcome, resolved.guestCookieName);
    if (cookie !== undefined) c.header('set-cookie', cookie, { append: true });
  };
}
