/**
 * The HTTP exchange for a JWKS: one GET of the configured URL, with the user's
 * extra headers, a 5 s deadline for the whole exchange (body included), a
 * body cap, and no redirect: a response that was redirected, comes from
 * another URL, or is not a 200 is refused, even when a custom `fetch`
 * follows redirects by itself.
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 * @module
 */
import { MAX_JWKS_BYTES } from './key-set.js';
import { collectBytes, fromReader } from '../bytes.js';

/** A JWKS request that has not answered (body included) within this fails. jose uses the same 5 s. */
export const JWKS_FETCH_TIMEOUT_MS = 5_000;

/** What one JWKS request needs, as resolved from the options. */
export interface JwksRequest {
  jwksUri: string;
  /** Default: `globalThis.fetch`. */
  fetch: typeof fetch | undefined;
  /** Extra request headers; `accept` stays ours. Default: none. */
  jwksRequestHeaders?: Readonly<Record<string, string>> | undefined;
}

// the media types of RFC 7517 §8.5.1 and plain JSON (Logto answers application/json)
const ACCEPT = 'application/jwk-set+json, application/json';

/**
 * Requests the JWKS and returns its body as text. Throws a plain `Error`
 * naming the failure (status, size, redirect, timeout); its message never
 * quotes the body.
 */
export async function fetchJwksText(request: JwksRequest): Promise<string> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // one deadline for the whole exchange, body included, even with a fetch that ignores the signal
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`the JWKS request did not finish within ${JWKS_FETCH_TIMEOUT_MS} ms`));
    }, JWKS_FETCH_TIMEOUT_MS);
  });
  deadline.catch(() => {});
  try {
    const response = await Promise.race([requestJwks(request, controller.signal), deadline]);
    assertFromConfiguredUrl(response, request.jwksUri);
    return await Promise.race([readBody(response, MAX_JWKS_BYTES), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// `redirect: 'manual'` is only a request: a user's fetch wrapper that rebuilds
// the init drops it and follows, so the response itself is checked as well
function assertFromConfiguredUrl(response: Response, jwksUri: string): void {
  let refusal: string | undefined;
  if (response.redirected) refusal = 'the JWKS request was redirected; redirects are not followed';
  else if (response.url && response.url !== withoutFragment(jwksUri)) refusal = 'the JWKS response comes from another URL than the configured one';
  else if (response.status !== 200) refusal = `the JWKS request answered HTTP ${response.status}, not 200`;
  if (refusal === undefined) return;
  void response.body?.cancel().catch(() => {});
  throw new Error(refusal);
}

// a fetch answers with the URL it requested, serialized and without its fragment (Fetch §4.1)
function withoutFragment(url: string): string {
  const parsed = new URL(url);
  parsed.hash = '';
  return parsed.href;
}

// Next.js's server fetch may answer from its data cache and hide a rotation;
// `cache: 'no-store'` asks for the network. Some runtimes (Cloudflare Workers
// before compatibility date 2024-11-11) throw on the `cache` member, so it is
// dropped there, once and for all.
let cacheMemberSupported = true;

async function requestJwks(request: JwksRequest, signal: AbortSignal): Promise<Response> {
  // redirects are not followed: the keys come from the configured URL or not at all
  const init: RequestInit = { headers: requestHeaders(request.jwksRequestHeaders), redirect: 'manual', signal };
  // called detached: a fetch called as a method of our options object is an
  // "Illegal invocation" on Cloudflare Workers
  const customFetch = request.fetch;
  const send = (requestInit: RequestInit) => (customFetch ? customFetch(request.jwksUri, requestInit) : fetch(request.jwksUri, requestInit));
  if (!cacheMemberSupported) return send(init);
  try {
    return await send({ ...init, cache: 'no-store' });
  } catch (error) {
    // workerd says "The 'cache' field on 'RequestInitializerDict' is not implemented." (an Error, not a TypeError)
    if (!(error instanceof Error && /'cache' field|\bcache\b.*not (implemented|supported)/i.test(error.message))) throw error;
    cacheMemberSupported = false;
    return send(init);
  }
}

// A plain record, so a fetch wrapper that spreads `init.headers` keeps them.
// Header names are case-insensitive: a user's `Accept` is dropped, not merged.
function requestHeaders(extra: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (extra) for (const [name, value] of Object.entries(extra)) if (name.toLowerCase() !== 'accept') headers[name] = value;
  headers.accept = ACCEPT;
  return headers;
}

async function readBody(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > limit) {
    void response.body?.cancel().catch(() => {});
    throw new Error(`the JWKS is larger than ${limit} bytes`);
  }
  if (!response.body) return response.text();
  const reader = response.body.getReader();
  const bytes = await collectBytes(fromReader(reader), limit);
  if (!bytes) {
    void reader.cancel().catch(() => {});
    throw new Error(`the JWKS is larger than ${limit} bytes`);
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
