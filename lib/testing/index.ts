/**
 * `logto-authkit/testing`: test and try without a Logto tenant. An in-process
 * issuer that mints tokens, webhooks and logout tokens as Logto 1.42 does, and
 * serves its discovery and JWKS through a `fetch` (no socket) or a loopback
 * server. For tests only: what it signs verifies only with its own keys, which
 * live in memory. Named re-exports only.
 * @module
 */
export { createTestIssuer, DISCOVERY_PATH, JWKS_PATH } from './issuer.js';
export type { TestIssuer, TestIssuerOptions, AccessTokenOptions, IdTokenOptions, LogoutTokenOptions } from './issuer.js';
export { LOGTO_EVENTS, SIGNATURE_HEADER, webhookSignature } from './webhooks.js';
export type { LogtoEventName, WebhookDelivery, WebhookSubject } from './webhooks.js';
export { ORGANIZATION_AUDIENCE_PREFIX } from './claims.js';
export { serveIssuer } from './serve.js';
export type { IssuerServer, ServeIssuerOptions, NodeHttpLike } from './serve.js';
