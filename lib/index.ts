/**
 * logto-authkit: verify Logto access tokens with WebCrypto alone.
 * Named re-exports only.
 * @module
 */
export { verifyAuth, verifyLogtoToken } from './verify.js';
export type { AuthOutcome } from './verify.js';
export { AuthError, AUTH_ERROR_STATUS, isAuthError } from './errors.js';
export type { AuthErrorCode, AuthErrorDetail } from './errors.js';
export type { AuthContext, JWTPayload } from './claims.js';
export { organizationOf } from './claims.js';
export type { VerifyAuthOptions } from './options.js';
export { DEFAULTS } from './options.js';
export type { Algorithm } from './jwk.js';
export type { AuthInput, RequestLike, HeadersLike, CookiesLike } from './token-source.js';
export { parseCookieHeader } from './cookies.js';
export { clearJwksCache } from './jwks-cache.js';
export { createExpressAuthMiddleware } from './express.js';
export type { ExpressAuthMiddleware, ExpressRequestLike, ExpressResponseLike, WithAuth } from './express.js';
export { verifyNextAuth, withAuth } from './next.js';
export type { NextAuthResult, AuthenticatedHandler } from './next.js';
