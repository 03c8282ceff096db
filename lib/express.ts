/**
 * Express (4 and 5) middleware. Structural types only: express is not imported,
 * and the middleware also runs on a bare `node:http` request and response.
 * @module
 */
import type { AuthContext } from './claims.js';
import { serializeGuestCookie } from './cookies.js';
import { errorBody, errorHeaders, type AuthError } from './errors.js';
import { resolveOptions, type VerifyAuthOptions } from './options.js';
import type { RequestLike } from './token-source.js';
import { authenticate } from './verify.js';

/** The parts of an Express/Node request the middleware reads. */
export type ExpressRequestLike = RequestLike;

/**
 * What the middleware adds to the request: use `req: express.Request & WithAuth`
 * in a handler. (No global augmentation of Express types: another library
 * may already declare its own `req.auth`.)
 */
export interface WithAuth {
  auth?: AuthContext;
}

/** The parts of a Node `ServerResponse` the middleware writes. */
export interface ExpressResponseLike {
  statusCode: number;
  setHeader(name: string, value: string | string[]): unknown;
  getHeader(name: string): number | string | string[] | undefined;
  end(body?: string): unknown;
}

/** An Express (or `node:http`) middleware: `(req, res, next)`. */
export type ExpressAuthMiddleware = (req: ExpressRequestLike, res: ExpressResponseLike, next: (error?: unknown) => void) => void;

/**
 * Creates the middleware. On success it sets `req.auth` and calls `next()`
 * (setting the guest cookie when it made a new guest id); on failure it
 * answers with the error's status, `{ error, message }` as JSON, and the
 * RFC 6750 challenge (`Retry-After` for a 503). Bad options throw `TypeError` here.
 */
export function createExpressAuthMiddleware(options: VerifyAuthOptions): ExpressAuthMiddleware {
  const resolved = resolveOptions(options);
  return function logtoAuth(req, res, next) {
    authenticate(req, resolved)
      .then((outcome) => {
        if (outcome.error) return sendError(res, outcome.error);
        if (outcome.newGuestId) {
          appendHeader(res, 'set-cookie', serializeGuestCookie(resolved.guestCookieName, outcome.auth.guestId!, outcome.secure));
        }
        (req as WithAuth).auth = outcome.auth;
        next();
      })
      .catch(next);
  };
}

function sendError(res: ExpressResponseLike, error: AuthError): void {
  res.statusCode = error.status;
  for (const [name, value] of Object.entries(errorHeaders(error))) res.setHeader(name, value);
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(errorBody(error)));
}

// another middleware may already have set cookies: add ours beside them
function appendHeader(res: ExpressResponseLike, name: string, value: string): void {
  const previous = res.getHeader(name);
  if (previous === undefined) res.setHeader(name, value);
  else res.setHeader(name, Array.isArray(previous) ? [...previous, value] : [String(previous), value]);
}
