/**
 * HTTP handlers for what withdraws trust from outside: Logto webhooks and
 * OIDC back-channel logout. One Fetch handler (Next route handlers, Hono's
 * `c.req.raw`, Workers, Deno, Bun) and one Node handler (Express, `node:http`,
 * Fastify's `request.raw` with the body left unparsed) per endpoint; both
 * read the RAW body, because the webhook signature covers the exact bytes.
 * No handler ever rejects: a body that cannot be read (an aborted upload) is
 * a 400 or a closed connection, any other failure a 500 with
 * `Cache-Control: no-store` and a `handler-error` event, so Express 4 and bare
 * `node:http`, which ignore a returned promise, never see an unhandled
 * rejection. A 500 leaves the delivery unapplied: the sender's retry applies it.
 * @module
 */
import { collectBytes, fromReader } from '../bytes.js';
import { emit, type AuthEvent } from '../events.js';
import { handleBackchannelLogout, resolveBackchannelLogout, type BackchannelLogoutOptions } from '../revocation/backchannel-logout.js';
import { handleLogtoWebhook, LOGTO_SIGNATURE_HEADER, MAX_WEBHOOK_BYTES, resolveLogtoWebhook, type LogtoWebhookOptions } from '../revocation/logto-webhook.js';

/** A Node request as far as the handlers read it: headers, and the body as a stream or as parsed by a body parser. */
export interface NodeRequestLike {
  headers: Record<string, string | string[] | undefined>;
  /** Set by a body parser: a Buffer from `express.raw()` is used as is; a parsed object cannot be verified. */
  body?: unknown;
  [Symbol.asyncIterator]?(): AsyncIterator<Uint8Array | string>;
}

/** A Node response as far as the handlers write it. */
export interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
  /** Set once the answer started (Node, Express): nothing more is written then. */
  headersSent?: boolean;
  /** Closes the connection when no answer can be written. */
  destroy?(): unknown;
}

type Handler = 'logto-webhook' | 'backchannel-logout';
type OnEvent = ((event: AuthEvent) => void) | undefined;

/** The body could not be read (the client aborted, the connection reset): not the handler's fault, a 400. */
class BodyReadError extends Error {}

/**
 * A Fetch handler for Logto webhook deliveries: `POST` only. Answers 200 once
 * applied (or for a retry already applied), 401 for a bad signature (no
 * detail), 400 for a body that is not a Logto event. Bad options throw
 * `TypeError` here.
 */
export function createLogtoWebhookHandler(options: LogtoWebhookOptions): (request: Request) => Promise<Response> {
  const settings = resolveLogtoWebhook(options);
  return async function logtoWebhook(request) {
    if (request.method !== 'POST') return json({ status: 405, body: { error: 'method_not_allowed' } });
    return fetchAnswer('logto-webhook', settings.onEvent, async () => {
      const body = await readFetchBody(request);
      if (!body) return { status: 413, body: { error: 'payload_too_large' } };
      return handleLogtoWebhook(body, request.headers.get(LOGTO_SIGNATURE_HEADER), settings);
    });
  };
}

/**
 * The same handler for Express or `node:http`: `(req, res)`. Mount it before
 * `express.json()`, or with `express.raw({ type: 'application/json' })`: a
 * body already parsed into an object is answered with a 500 that says so.
 */
export function createNodeLogtoWebhookHandler(options: LogtoWebhookOptions): (req: NodeRequestLike, res: NodeResponseLike) => Promise<void> {
  const settings = resolveLogtoWebhook(options);
  return async function logtoWebhook(req, res) {
    await nodeAnswer(res, 'logto-webhook', settings.onEvent, async () => {
      const body = await readNodeBody(req);
      if (body === 'parsed') return { status: 500, body: { error: 'body_already_parsed', message: 'mount the webhook route before express.json(), or with express.raw({ type: "application/json" }): the signature covers the raw bytes' } };
      if (!body) return { status: 413, body: { error: 'payload_too_large' } };
      const signature = req.headers[LOGTO_SIGNATURE_HEADER];
      return handleLogtoWebhook(body, Array.isArray(signature) ? undefined : signature, settings);
    });
  };
}

interface Answer {
  status: number;
  body: unknown;
}

const INTERNAL_ERROR: Answer = { status: 500, body: { error: 'internal_error' } };
const UNREADABLE_BODY: Answer = { status: 400, body: { error: 'invalid_request', error_description: 'the body could not be read' } };

// the one place a handler's failure becomes an answer: 400 for an unreadable body, else 500, with an event
async function settle(handler: Handler, onEvent: OnEvent, run: () => Promise<Answer>): Promise<Answer> {
  try {
    return await run();
  } catch (error) {
    const answer = error instanceof BodyReadError ? UNREADABLE_BODY : INTERNAL_ERROR;
    emit(onEvent, { type: 'handler-error', handler, status: answer.status as 400 | 500, error: error instanceof Error ? error.message : String(error) });
    return answer;
  }
}

async function fetchAnswer(handler: Handler, onEvent: OnEvent, run: () => Promise<Answer>): Promise<Response> {
  return json(await settle(handler, onEvent, run));
}

async function nodeAnswer(res: NodeResponseLike, handler: Handler, onEvent: OnEvent, run: () => Promise<Answer>): Promise<void> {
  const answer = await settle(handler, onEvent, run);
  try {
    // a client that reset its connection has nobody to answer: close what is left
    if (res.headersSent || (res as { destroyed?: boolean }).destroyed) return void res.destroy?.();
    send(res, answer.status, answer.body);
  } catch {
    res.destroy?.();
  }
}

function json(answer: Answer): Response {
  return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });
}

function send(res: NodeResponseLike, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify(body));
}

async function readFetchBody(request: Request): Promise<Uint8Array | undefined> {
  if (Number(request.headers.get('content-length')) > MAX_WEBHOOK_BYTES) return undefined;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  let bytes: Uint8Array | undefined;
  try {
    bytes = await collectBytes(fromReader(reader), MAX_WEBHOOK_BYTES);
  } catch (error) {
    throw new BodyReadError(error instanceof Error ? error.message : 'the body could not be read');
  }
  if (!bytes) void reader.cancel().catch(() => {});
  return bytes;
}

async function readNodeBody(req: NodeRequestLike): Promise<Uint8Array | 'parsed' | undefined> {
  if (req.body instanceof Uint8Array) return req.body.byteLength > MAX_WEBHOOK_BYTES ? undefined : req.body;
  if (typeof req.body === 'string') return new TextEncoder().encode(req.body);
  // express.json() leaves {} when the content type was not its own: the stream is still unread then
  if (req.body !== undefined && req.body !== null && !(typeof req.body === 'object' && Object.keys(req.body).length === 0)) return 'parsed';
  if (typeof req[Symbol.asyncIterator] !== 'function') return 'parsed';
  const chunks = (req as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  try {
    return await collectBytes(async () => {
      const { done, value } = await chunks.next();
      if (done) return undefined;
      return typeof value === 'string' ? new TextEncoder().encode(value) : value;
    }, MAX_WEBHOOK_BYTES);
  } catch (error) {
    // Node's "aborted": half a body, then a reset
    throw new BodyReadError(error instanceof Error ? error.message : 'the body could not be read');
  }
}

/**
 * A Fetch handler for OIDC back-channel logout: `POST` a form with
 * `logout_token`. Answers 200 once the session (or user) is revoked, 400
 * `invalid_request` otherwise (OIDC Back-Channel Logout 1.0 §2.8), always with
 * `Cache-Control: no-store`. Bad options throw `TypeError` here.
 */
export function createBackchannelLogoutHandler(options: BackchannelLogoutOptions): (request: Request) => Promise<Response> {
  const settings = resolveBackchannelLogout(options);
  return async function backchannelLogout(request) {
    if (request.method !== 'POST') return json({ status: 405, body: { error: 'method_not_allowed' } });
    return fetchAnswer('backchannel-logout', settings.onEvent, async () => {
      const body = await readFetchBody(request);
      if (!body) return { status: 413, body: { error: 'payload_too_large' } };
      return handleBackchannelLogout(new TextDecoder().decode(body), request.headers.get('content-type'), settings);
    });
  };
}

/**
 * The same handler for Express or `node:http`. Works with `express.urlencoded()`
 * mounted (it reads `req.body.logout_token`) and without it (it reads the stream).
 */
export function createNodeBackchannelLogoutHandler(options: BackchannelLogoutOptions): (req: NodeRequestLike, res: NodeResponseLike) => Promise<void> {
  const settings = resolveBackchannelLogout(options);
  return async function backchannelLogout(req, res) {
    await nodeAnswer(res, 'backchannel-logout', settings.onEvent, async () => {
      const contentType = req.headers['content-type'];
      const parsed = req.body as { logout_token?: unknown } | undefined;
      let form: string;
      if (parsed && typeof parsed === 'object' && !(parsed instanceof Uint8Array) && 'logout_token' in parsed) {
        form = new URLSearchParams(Array.isArray(parsed.logout_token) ? parsed.logout_token.map((token) => ['logout_token', String(token)]) : [['logout_token', String(parsed.logout_token)]]).toString();
      } else {
        const body = await readNodeBody(req);
        if (body === 'parsed') return { status: 400, body: { error: 'invalid_request', error_description: 'no logout_token in the body' } };
        if (!body) return { status: 413, body: { error: 'payload_too_large' } };
        form = new TextDecoder().decode(body);
      }
      return handleBackchannelLogout(form, Array.isArray(contentType) ? contentType[0] : contentType, settings);
    });
  };
}
