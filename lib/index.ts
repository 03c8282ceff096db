/**
 * logto-authkit: verify Logto access tokens with WebCrypto alone.
 * Named re-exports only.
 * @module
 */
export { verifyAuth, verifyLogtoToken } from './verify.js';
export type { AuthOutcome } from './verify.js';
export { AuthError, AUTH_ERROR_STATUS, isAuthError } from './errors.js';
export type { AuthErrorCode, AuthErrorDetail } from './errors.js';
export type { AuthContext } from './context.js';
export type { JWTPayload } from './jose/claims.js';
export { organizationOf } from './jose/claims.js';
export type { VerifyAuthOptions } from './options.js';
export { DEFAULTS } from './options.js';
export type { Algorithm } from './jose/jwk.js';
export type { AuthInput, RequestLike, HeadersLike, CookiesLike } from './request/token-source.js';
export { parseCookieHeader } from './request/cookies.js';
export { clearJwksCache } from './keys/jwks-cache.js';
export { createExpressAuthMiddleware } from './adapters/express.js';
export type { ExpressAuthMiddleware, ExpressRequestLike, ExpressResponseLike, WithAuth } from './adapters/express.js';
export { verifyNextAuth, withAuth } from './adapters/next.js';
export type { NextAuthResult, AuthenticatedHandler } from './adapters/next.js';
