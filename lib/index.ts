/**
 * logto-authkit: verify Logto access tokens with WebCrypto alone.
 * Named re-exports only.
 * @module
 */
export { verifyAuth, verifyLogtoToken } from './verify.js';
export type { AuthOutcome } from './verify.js';
export { AuthError, AUTH_ERROR_STATUS, isAuthError } from './errors.js';
export type { AuthErrorCode, AuthErrorDetail } from './errors.js';
export type { AuthContext, Actor } from './context.js';
export type { JWTPayload } from './jose/claims.js';
export { organizationOf } from './jose/claims.js';
export type { VerifyAuthOptions, ResourceMetadataOptions } from './options.js';
// guards as pure checks; the middleware versions come from each adapter's entry point
export { checkRequirements, claimIncludes, claimEquals } from './authorize/requirements.js';
export type { Requirement, OrganizationSource, ClaimPredicate, GuardRequest } from './authorize/requirements.js';
export { protectedResourceMetadata, resourceMetadataHandler, resourceMetadataPath } from './authorize/resource-metadata.js';
export type { ProtectedResourceMetadata, ResourceMetadataHandler } from './authorize/resource-metadata.js';
export { DEFAULTS } from './options.js';
export type { Algorithm } from './jose/jwk.js';
export type { AuthInput, RequestLike, HeadersLike, CookiesLike } from './request/token-source.js';
export { parseCookieHeader, serializeGuestCookie } from './request/cookies.js';
export { clearJwksCache } from './keys/jwks-cache.js';
export type { AuthEvent, RejectionStage, JwksFetchReason } from './events.js';
export { REJECTION_STAGE } from './events.js';
export type { Store, StoreCapabilities, StoreFeed, FeedPage } from './stores/store.js';
export { memoryStore } from './stores/memory.js';
export { redisStore } from './stores/redis.js';
export type { RedisClientLike, NodeRedisClientLike, IoRedisClientLike } from './stores/redis.js';
export type { RedisStoreOptions } from './stores/redis-commands.js';
export { upstashStore } from './stores/upstash.js';
export type { UpstashStoreOptions } from './stores/upstash.js';
export { cloudflareKvStore } from './stores/cloudflare-kv.js';
export type { KvNamespaceLike, CloudflareKvStoreOptions } from './stores/cloudflare-kv.js';
export { createRevocationList, RevocationList } from './revocation/revocation-list.js';
export type { RevocationListOptions } from './revocation/revocation-list.js';
export type { RevokedBy } from './revocation/revoked-set.js';
export type { RevocationCheck } from './options.js';
export { createExpressAuthMiddleware } from './adapters/express.js';
export type { ExpressAuthMiddleware, ExpressRequestLike, ExpressResponseLike, WithAuth } from './adapters/express.js';
export { verifyNextAuth, withAuth, protectRequest } from './adapters/next.js';
export type { NextAuthResult, NextAuthSuccess, NextAuthFailure, AuthenticatedHandler, OnAllowed } from './adapters/next.js';
export type { RuntimeOptions } from './adapters/next.js';
export { createHonoAuthMiddleware } from './adapters/hono.js';
export type { AuthEnv, HonoAuthMiddleware, HonoContextLike } from './adapters/hono.js';
export { createFastifyAuthHook, fastifyLogtoAuth, FASTIFY_PLUGIN_NAME } from './adapters/fastify.js';
export type { FastifyAuthHook, FastifyRequestLike, FastifyReplyLike, FastifyInstanceLike, FastifyLogtoAuthPlugin } from './adapters/fastify.js';
export { errorResponse, errorAnswer } from './adapters/http-answer.js';
export type { ErrorAnswer, ErrorBody } from './adapters/http-answer.js';
export { createLogtoWebhookHandler, createNodeLogtoWebhookHandler, createBackchannelLogoutHandler, createNodeBackchannelLogoutHandler } from './adapters/revocation-handlers.js';
export type { NodeRequestLike, NodeResponseLike } from './adapters/revocation-handlers.js';
export { handleLogtoWebhook, verifyLogtoSignature, revocationsFor, LOGTO_SIGNATURE_HEADER } from './revocation/logto-webhook.js';
export type { LogtoWebhookEvent, LogtoWebhookOptions, WebhookRevocation, WebhookAnswer, RevocationTarget } from './revocation/logto-webhook.js';
export { verifyLogoutToken } from './revocation/logout-token.js';
export type { LogoutClaims } from './revocation/logout-token.js';
export type { BackchannelLogoutOptions, LogoutRevocationTarget } from './revocation/backchannel-logout.js';
