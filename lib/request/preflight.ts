/**
 * CORS preflight: an `OPTIONS` request that carries
 * `Access-Control-Request-Method` is the browser asking, before the real
 * request, whether it may send it. It never carries credentials (Fetch
 * standard §3.2.2), so every adapter lets it through unauthenticated, as
 * express-jwt does, for the CORS layer after it to answer.
 * @see https://fetch.spec.whatwg.org/#cors-preflight-fetch
 * @module
 */
import type { HeadersLike } from './token-source.js';

/** True for a CORS preflight: method `OPTIONS` with an `Access-Control-Request-Method` header. */
export function isCorsPreflight(method: string | undefined, headers: HeadersLike): boolean {
  if (method === undefined || method.toUpperCase() !== 'OPTIONS') return false;
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get('access-control-request-method') !== null;
  return (headers as Record<string, unknown>)['access-control-request-method'] !== undefined;
}
