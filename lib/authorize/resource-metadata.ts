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
  /** Hono middleware (`app.use(handler)`): answers its two paths, hands any other to `next`. */
  (c: { req: { method: string; path: string } }, next: () => Promise<void>): Promise<Response | void>;
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
 * clients read it cross-origin), a CORS preflight gets a 204 that allows the
 * `Authorization`, `Content-Type` and `MCP-Protocol-Version` headers, any other
 * method a 405 with `Allow`. Mount it for every method and path with
 * `app.use(handler)` (Express, `node:http`, Hono): it answers at
 * `resourceMetadataPath(options)` and at the root
 * `/.well-known/oauth-protected-resource`, and hands every other path to
 * `next`. Or mount it at those paths for every method (`app.all`, a Fastify
 * route with every method, a Next route file exporting it as `GET`, `HEAD`,
 * `OPTIONS` and the other methods): a route for `GET` alone leaves preflights
 * and other methods to the framework. Reads the options once, now; bad
 * options, or no `resourceMetadata`, throw `TypeError` here.
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
    // browser MCP clients send MCP-Protocol-Version (and may send Authorization) with the GET: the preflight allows them
    if (verb === 'OPTIONS') return { status: 204, headers: { ...cors, 'access-control-allow-methods': 'GET, HEAD, OPTIONS', 'access-control-allow-headers': CORS_ALLOWED_HEADERS, 'access-control-max-age': '86400' }, body: undefined };
    // RFC 9110 §15.5.6: a 405 says which methods the resource has
    return { status: 405, headers: { allow: 'GET, HEAD, OPTIONS' }, body: undefined };
  };
  const paths = servedPaths(resourceMetadataPath(options));
  return function serveResourceMetadata(first: unknown, second?: unknown, third?: unknown): unknown {
    // mounted with app.use (Express, node:http, Hono): another path goes on to the next handler
    if (typeof third === 'function' && isOtherPath(pathOf(first), paths)) return (third as () => unknown)();
    if (typeof second === 'function' && isHonoContext(first)) {
      // Hono awaits a middleware's answer: a promise either way
      return paths.has(first.req.path) ? Promise.resolve(fetchAnswer(answer(methodOf(first)))) : (second as () => Promise<void>)();
    }
    const method = methodOf(first);
    const { status, headers, body } = answer(method);
    if (isReply(second)) return second.code(status).headers(headers).send(body);
    if (isNodeResponse(second)) {
      second.statusCode = status;
      for (const [name, value] of Object.entries(headers)) second.setHeader(name, value);
      second.end(body);
      return undefined;
    }
    return fetchAnswer({ status, headers, body });
  } as ResourceMetadataHandler;
}

function fetchAnswer({ status, headers, body }: { status: number; headers: Record<string, string>; body: string | undefined }): Response {
  return new Response(body ?? null, { status, headers });
}

/** The request headers a CORS preflight for the document may ask for. */
const CORS_ALLOWED_HEADERS = 'Authorization, Content-Type, MCP-Protocol-Version';

const ROOT_PATH = '/.well-known/oauth-protected-resource';

// RFC 9728 §3.1 puts the document of a resource with a path at the path-aware
// location; MCP clients (and the SDK's) try that first and then the root, so
// the handler answers at both when it is mounted for every path.
function servedPaths(pathAware: string): Set<string> {
  return new Set([pathAware, ROOT_PATH]);
}

// Express and node:http: req.originalUrl or req.url, without the query; undefined when the request names none
function pathOf(request: unknown): string | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  const { originalUrl, url } = request as { originalUrl?: unknown; url?: unknown };
  const target = typeof originalUrl === 'string' ? originalUrl : typeof url === 'string' ? url : undefined;
  if (target === undefined) return undefined;
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

function isOtherPath(path: string | undefined, paths: Set<string>): boolean {
  return path !== undefined && !paths.has(path);
}

function isHonoContext(value: unknown): value is { req: { path: string } } {
  return typeof value === 'object' && value !== null && typeof (value as { req?: { path?: unknown } }).req?.path === 'string' && !(value instanceof Request);
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
