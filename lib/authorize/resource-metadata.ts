/**
 * RFC 9728 protected-resource metadata: the JSON document that tells a client
 * (an MCP client, an OAuth tool) which authorization server issues tokens for
 * this API and which scopes it knows, and one handler that serves it in every
 * framework. Pure: options in, JSON out; the handler only writes that answer.
 * @see https://www.rfc-editor.org/rfc/rfc9728
 * @module
 */
import { resolveOptions, type ResolvedOptions, type VerifyAuthOptions } from '../options.js';

/** The RFC 9728 §2 document this library serves. */
export interface ProtectedResourceMetadata {
  /** The resource identifier, exactly as configured (RFC 9728 §3.3: a client compares it with the URL it used). */
  resource: string;
  /** The Logto issuer, `${logtoUrl}/oidc` unless `issuer` says otherwise. */
  authorization_servers: string[];
  /** RFC 6750 methods only: the `Authorization` header. The cookie is this library's own, not an OAuth method. */
  bearer_methods_supported: ['header'];
  scopes_supported?: string[];
  resource_name?: string;
  resource_documentation?: string;
}

/** How long a client may cache the document, in seconds: it changes only when the app is redeployed. */
export const RESOURCE_METADATA_MAX_AGE_SEC = 3600;

/**
 * The metadata document for `options` (`resourceMetadata` must be set).
 * Throws `TypeError` for bad options or when `resourceMetadata` is not set.
 * Does not fetch anything: the issuer is what the options say.
 */
export function protectedResourceMetadata(options: VerifyAuthOptions): ProtectedResourceMetadata {
  return documentOf(resolveOptions(options));
}

/**
 * The path to serve the document at: `/.well-known/oauth-protected-resource`,
 * followed by the resource's own path when it has one (RFC 9728 §3.1:
 * `https://api.example.com/v1` → `/.well-known/oauth-protected-resource/v1`).
 */
export function resourceMetadataPath(options: VerifyAuthOptions): string {
  const url = new URL(configured(resolveOptions(options)).url);
  return url.pathname + url.search;
}

/** The parts of a Node `ServerResponse` (Express's `res`) the handler writes. */
export interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/** The parts of a Fastify `reply` the handler uses. */
export interface ReplyLike {
  code(status: number): ReplyLike;
  headers(headers: Record<string, string>): ReplyLike;
  send(body?: string): unknown;
}

/**
 * One handler for every framework, told apart by its arguments: a Fetch
 * handler for Next route handlers, Workers, Deno and Bun; a Hono handler; an
 * Express or `node:http` handler; a Fastify handler.
 */
export interface ResourceMetadataHandler {
  /** Fetch (`export const GET = handler` in Next) and Hono (`app.get(path, handler)`): returns the `Response`. */
  (request: Request | { req: { method: string } }, context?: unknown): Response;
  /** Express or `node:http`: writes the answer on `res`. */
  (req: { method?: string }, res: NodeResponseLike, next?: unknown): void;
  /** Fastify: sends the answer with `reply`. */
  (request: { method?: string }, reply: ReplyLike): ReplyLike;
}

/**
 * Creates the handler that serves the metadata document: `GET` and `HEAD` get
 * it as JSON (`Cache-Control: public, max-age=3600`, and
 * `Access-Control-Allow-Origin: *`, since the document is public and browser
 * clients read it cross-origin), a CORS preflight gets a 204, any other method
 * a 405. Mount it at `resourceMetadataPath(options)`. Reads the options once,
 * now; bad options, or no `resourceMetadata`, throw `TypeError` here.
 */
export function resourceMetadataHandler(options: VerifyAuthOptions): ResourceMetadataHandler {
  const body = JSON.stringify(documentOf(resolveOptions(options, { fresh: true })));
  const answer = (method: string | undefined): { status: number; headers: Record<string, string>; body: string | undefined } => {
    const verb = (method ?? 'GET').toUpperCase();
    const cors = { 'access-control-allow-origin': '*' };
    if (verb === 'GET' || verb === 'HEAD') {
      const headers = { ...cors, 'content-type': 'application/json; charset=utf-8', 'cache-control': `public, max-age=${RESOURCE_METADATA_MAX_AGE_SEC}` };
      return { status: 200, headers, body: verb === 'HEAD' ? undefined : body };
    }
    if (verb === 'OPTIONS') return { status: 204, headers: { ...cors, 'access-control-allow-methods': 'GET, HEAD, OPTIONS' }, body: undefined };
    // RFC 9110 §15.5.6: a 405 says which methods the resource has
    return { status: 405, headers: { allow: 'GET, HEAD, OPTIONS' }, body: undefined };
  };
  return function serveResourceMetadata(first: unknown, second?: unknown): unknown {
    const method = methodOf(first);
    const { status, headers, body } = answer(method);
    if (isReply(second)) return second.code(status).headers(headers).send(body);
    if (isNodeResponse(second)) {
      second.statusCode = status;
      for (const [name, value] of Object.entries(headers)) second.setHeader(name, value);
      second.end(body);
      return undefined;
    }
    return new Response(body ?? null, { status, headers });
  } as ResourceMetadataHandler;
}

function documentOf(options: ResolvedOptions): ProtectedResourceMetadata {
  const metadata = configured(options);
  const document: ProtectedResourceMetadata = { resource: metadata.resource, authorization_servers: [options.issuer], bearer_methods_supported: ['header'] };
  if (metadata.scopesSupported !== undefined) document.scopes_supported = [...metadata.scopesSupported];
  if (metadata.resourceName !== undefined) document.resource_name = metadata.resourceName;
  if (metadata.resourceDocumentation !== undefined) document.resource_documentation = metadata.resourceDocumentation;
  return document;
}

function configured(options: ResolvedOptions): NonNullable<ResolvedOptions['resourceMetadata']> {
  if (options.resourceMetadata === undefined) throw new TypeError('logto-authkit: set the resourceMetadata option (true, or { resource, scopesSupported }) to serve protected-resource metadata');
  return options.resourceMetadata;
}

// a Fetch Request or a Node/Express/Fastify request has `method`; a Hono context has `req.method`
function methodOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const { method, req } = input as { method?: unknown; req?: { method?: unknown } };
  if (typeof method === 'string') return method;
  return typeof req === 'object' && req !== null && typeof req.method === 'string' ? req.method : undefined;
}

function isReply(value: unknown): value is ReplyLike {
  return typeof value === 'object' && value !== null && typeof (value as ReplyLike).code === 'function' && typeof (value as ReplyLike).send === 'function';
}

function isNodeResponse(value: unknown): value is NodeResponseLike {
  return typeof value === 'object' && value !== null && typeof (value as NodeResponseLike).setHeader === 'function' && typeof (value as NodeResponseLike).end === 'function';
}
