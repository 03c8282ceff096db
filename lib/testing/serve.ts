/**
 * A test issuer on a loopback HTTP server, for end-to-end tests and for other
 * processes (the `logto-authkit issuer` command). It takes the user's
 * `node:http` module (`serveIssuer(http)`), so the kit itself imports no Node
 * module and runs wherever the library runs. Listens on 127.0.0.1 unless
 * `host` says otherwise.
 *
 * With `mint: true` it also answers `POST /__authkit/token`, which is not
 * Logto's: a loopback-only way for `logto-authkit token` to ask this issuer
 * for a token, since the private key never leaves its memory.
 * @module
 */
import { collectBytes } from '../bytes.js';
import { decodeUtf8 } from '../jose/base64url.js';
import { createTestIssuer, type TestIssuer, type TestIssuerOptions } from './issuer.js';

/** The parts of Node's `IncomingMessage` the server reads. */
export interface IncomingLike extends AsyncIterable<Uint8Array> {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  socket: { remoteAddress?: string | undefined };
}
/** The parts of Node's `ServerResponse` the server writes. */
export interface ResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}
/** The parts of a Node `http.Server` the server uses. */
export interface ServerLike {
  listen(port: number, host: string, callback: () => void): unknown;
  address(): { port: number } | string | null;
  close(callback?: (error?: Error) => void): unknown;
  closeAllConnections?(): void;
  once(event: 'error', listener: (error: Error) => void): unknown;
}
/** `node:http` (or anything with its `createServer`). */
export interface NodeHttpLike {
  createServer(listener: (request: IncomingLike, response: ResponseLike) => void): ServerLike;
}

/** Where and how to serve. */
export interface ServeIssuerOptions extends TestIssuerOptions {
  /** Default: `127.0.0.1`. Anything else exposes a token issuer beyond this machine: only when told. */
  host?: string;
  /** Default: 0 (a free port). */
  port?: number;
  /** Answer `POST /__authkit/token` from loopback clients. Default: `false`. */
  mint?: boolean;
}

/** A served issuer. */
export interface IssuerServer {
  /** The issuer, its `logtoUrl` the server's own address. */
  issuer: TestIssuer;
  logtoUrl: string;
  port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Path of the mint endpoint: not Logto's, so never mistaken for its token endpoint. */
export const MINT_PATH = '/__authkit/token';
/** A mint request is a few hundred bytes; anything larger is refused unread. */
const MAX_MINT_BODY_BYTES = 16 * 1024;
const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Starts a test issuer on a loopback server. */
export async function serveIssuer(http: NodeHttpLike, options: ServeIssuerOptions = {}): Promise<IssuerServer> {
  const host = options.host ?? '127.0.0.1';
  let issuer: TestIssuer | undefined;
  const server = http.createServer((request, response) => {
    answer(issuer, request, options.mint === true).then(
      ({ status, headers, body }) => {
        response.statusCode = status;
        for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
        response.end(body);
      },
      () => {
        response.statusCode = 500;
        response.end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const logtoUrl = options.logtoUrl ?? `http://${urlHost}:${port}`;
  try {
    issuer = await createTestIssuer({ ...options, logtoUrl });
  } catch (error) {
    await new Promise((resolve) => server.close(resolve));
    throw error;
  }
  return {
    issuer,
    logtoUrl,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function answer(issuer: TestIssuer | undefined, request: IncomingLike, mint: boolean): Promise<Answer> {
  if (!issuer) return { status: 503, headers: {}, body: '' };
  const path = (request.url ?? '/').split('?')[0];
  if (mint && path === MINT_PATH) return mintAnswer(issuer, request);
  const response = await issuer.handle(new Request(`${issuer.logtoUrl}${request.url ?? '/'}`, { method: request.method ?? 'GET' }));
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

const refuse = (status: number, error: string): Answer => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error }) });

/** What `logto-authkit token` sends. */
interface MintRequest {
  sub?: string;
  scope?: string | string[];
  audience?: string;
  organization?: string;
  machine?: boolean;
  expiresIn?: number;
}

async function mintAnswer(issuer: TestIssuer, request: IncomingLike): Promise<Answer> {
  if (request.method !== 'POST') return refuse(405, 'method_not_allowed');
  // loopback clients only, never a browser page: no Origin, and a Host that is this server
  // (a DNS-rebound page would send its own host name)
  if (!LOOPBACK_ADDRESSES.has(request.socket.remoteAddress ?? '')) return refuse(403, 'loopback_only');
  if (request.headers.origin !== undefined) return refuse(403, 'no_browser_requests');
  const hostHeader = String(request.headers.host ?? '');
  if (hostHeader !== new URL(issuer.logtoUrl).host) return refuse(403, 'unexpected_host');
  if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) return refuse(415, 'json_only');
  const iterator = request[Symbol.asyncIterator]();
  const bytes = await collectBytes(async () => {
    const { done, value } = await iterator.next();
    return done ? undefined : value;
  }, MAX_MINT_BODY_BYTES);
  let body: MintRequest;
  try {
    body = JSON.parse(decodeUtf8(bytes ?? new Uint8Array()) ?? '') as MintRequest;
  } catch {
    return refuse(400, 'invalid_request');
  }
  if (typeof body !== 'object' || body === null) return refuse(400, 'invalid_request');
  const options = { sub: body.sub, scope: body.scope, audience: body.audience, expiresIn: body.expiresIn };
  const token =
    body.organization !== undefined && body.audience === undefined
      ? await issuer.organizationToken(body.organization, { ...options, machine: body.machine === true })
      : body.machine === true
        ? await issuer.machineToken({ ...options, clientId: body.sub, organizationId: body.organization })
        : await issuer.accessToken({ ...options, organizationId: body.organization });
  // RFC 6749 §5.1: a token response is never cached
  return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: body.expiresIn ?? 3600 }) };
}
