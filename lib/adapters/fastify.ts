/**
 * Fastify (4 and 5): an `onRequest` hook, and a plugin that adds it to every
 * route. Structural types only: fastify is not imported, at run time or for
 * types; the one mention of it is the `declare module 'fastify'` augmentation
 * below, which types `request.auth` where fastify is installed and is inert
 * where it is not.
 * @see https://fastify.dev/docs/latest/Reference/Hooks/#onrequest
 * @module
 */
// Only for tsc: it brings fastify's types into a lib-only build so the
// augmentation below resolves; TypeScript does not copy the directive into the
// emitted .d.ts, so the published types never require fastify.
/// <reference types="fastify" />
// ClaimPredicate and OrganizationSource are imported so the emitted .d.ts names the guards'
// types; left out, tsc writes import("./<adapter>.js"), which the .d.cts build does not rewrite
import { guardsFor, requirementError, type ClaimPredicate, type OrganizationSource, type Requirement } from '../authorize/requirements.js';
import { unauthenticatedContext, type AuthContext } from '../context.js';

export type { Authenticated } from '../context.js';
import { resolveOptions, type VerifyAuthOptions } from '../options.js';
import { isCorsPreflight } from '../request/preflight.js';
import type { HeadersLike, RequestLike } from '../request/token-source.js';
import { authenticate, type AuthOutcome } from '../verify.js';
import { challengeFor, errorAnswer, guardChallenge, guestSetCookie, noteForGuards, PREFLIGHT_STATUS, type ChallengeOptions } from './http-answer.js';

export { claimIncludes, claimEquals, checkRequirements } from '../authorize/requirements.js';
export type { Requirement, OrganizationSource, ClaimPredicate } from '../authorize/requirements.js';
export { resourceMetadataHandler, resourceMetadataPath, protectedResourceMetadata } from '../authorize/resource-metadata.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Set by the logto-authkit hook: the user, or a guest in guest mode.
     * `null` (or absent, without the plugin) on a route the hook did not run for.
     */
    auth: AuthContext | null;
  }
}

/** The parts of a Fastify request the hook reads and writes. */
export interface FastifyRequestLike {
  method: string;
  headers: HeadersLike;
  /** `'https'` makes the guest cookie `Secure`; Fastify derives it from the socket, or `X-Forwarded-Proto` under `trustProxy`. */
  protocol?: string;
  /** Node's request under Fastify's: its `rawHeaders` show a repeated `Authorization`, which `headers` hides. */
  raw?: { rawHeaders?: string[] };
  /** Fastify's: true when no route matched and the not-found handler answers. */
  is404?: boolean;
  auth?: AuthContext | null;
}

/** The parts of a Fastify reply the hook writes. */
export interface FastifyReplyLike {
  code(statusCode: number): unknown;
  header(name: string, value: string): unknown;
  send(payload?: string): unknown;
  /** Fastify's: true once a reply went out. */
  readonly sent?: boolean;
}

/**
 * A Fastify `onRequest` hook. Given `done` (as Fastify gives it), callback
 * style: a token the cache remembers goes on in the same turn. Called with
 * two arguments, async style: `await hook(request, reply)`.
 */
export interface FastifyAuthHook {
  (request: FastifyRequestLike, reply: FastifyReplyLike, done: (error?: unknown) => void): void;
  (request: FastifyRequestLike, reply: FastifyReplyLike): Promise<void>;
}

/** The parts of a Fastify instance the plugin uses. */
export interface FastifyInstanceLike {
  decorateRequest(name: 'auth', value: null): unknown;
  addHook(name: 'onRequest', hook: FastifyAuthHook): unknown;
}

/** The plugin: `app.register(fastifyLogtoAuth, options)`. */
export interface FastifyLogtoAuthPlugin {
  (fastify: FastifyInstanceLike, options: VerifyAuthOptions): Promise<void>;
}

/** The plugin's name, as Fastify reports it (`fastify.printPlugins()`, dependency checks). */
export const FASTIFY_PLUGIN_NAME = 'logto-authkit';

/**
 * Creates the hook. On success it sets `request.auth` (adding the guest
 * `Set-Cookie` beside any other when it made a new guest id); on failure it
 * replies with the error's status, `{ error, message }` as JSON, and the
 * RFC 6750 challenge (`Retry-After` for a 503), byte for byte what the Express
 * middleware sends. A CORS preflight passes through with an unauthenticated
 * context (`isAuthenticated: false`, `userId: null`). The options are read
 * once, here: bad options throw `TypeError` here.
 * Use it per route (`{ onRequest: [hook] }`), in an encapsulated scope
 * (`scope.addHook('onRequest', hook)`), or app-wide through `fastifyLogtoAuth`.
 * Does not need `@fastify/cookie`: the `Cookie` header is read as sent.
 */
export function createFastifyAuthHook(options: VerifyAuthOptions): FastifyAuthHook {
  const resolved = resolveOptions(options, { fresh: true });
  const challenge = challengeFor(resolved);
  const notes = { challenge, onEvent: resolved.onEvent }; // what the guards after it read, one object per middleware
  const settle = (request: FastifyRequestLike, reply: FastifyReplyLike, outcome: AuthOutcome): void => {
    if (reply.sent === true) return; // answered while we awaited: a second reply would only be refused
    if (outcome.error) return sendError(reply, outcome.error, challenge);
    // Fastify's reply.header appends to an existing set-cookie (RFC 9110 §5.3), so other cookies stay
    const cookie = guestSetCookie(outcome, resolved.guestCookieName);
    if (cookie !== undefined) reply.header('set-cookie', cookie);
    noteForGuards(outcome.auth, notes);
    request.auth = outcome.auth;
  };
  // Callback style when Fastify passes done: an async hook's promise makes
  // Fastify go on a microtask later, which cost about 3 µs of server CPU per
  // request over HTTP; a remembered token now calls done() in the same turn.
  // A reply sent here stops the chain: Fastify skips what follows once reply.sent.
  function logtoAuth(request: FastifyRequestLike, reply: FastifyReplyLike, done?: (error?: unknown) => void): Promise<void> | void {
    let outcome: AuthOutcome | Promise<AuthOutcome> | undefined;
    try {
      if (isCorsPreflight(request.method, request.headers)) request.auth = unauthenticatedContext();
      // an unknown route stays Fastify's 404: no route, nothing to protect (request.auth stays null)
      else if (request.is404 !== true) outcome = authenticate(inputOf(request), resolved);
      if (outcome !== undefined && !(outcome instanceof Promise)) settle(request, reply, outcome);
    } catch (error) {
      if (!done) return Promise.reject(error);
      done(error);
      return; // callback style returns nothing: a returned promise would make Fastify go on twice
    }
    if (outcome instanceof Promise) {
      const settled = outcome.then((value) => settle(request, reply, value));
      if (!done) return settled;
      settled.then(() => done(), done);
      return;
    }
    if (!done) return Promise.resolve();
    done();
  }
  return logtoAuth as FastifyAuthHook;
}

// The raw header is the source with and without @fastify/cookie, so both
// read the first of several same-named cookies, as every other adapter does.
function inputOf(request: FastifyRequestLike): RequestLike & { method: string } {
  return {
    headers: request.headers,
    method: request.method,
    // read only to mark a new guest cookie Secure: Fastify's protocol getter checks the socket and trustProxy
    get secure() {
      return request.protocol === 'https';
    },
    // two Authorization fields are ambiguous (TOKEN_MALFORMED); only Node's raw request still shows them
    // (rawHeaders, a plain array: the headersDistinct getter would build an object of every header)
    rawHeaders: request.raw?.rawHeaders,
  };
}

/**
 * A Fastify plugin that decorates `request.auth` (`null` until the hook runs)
 * and adds the `createFastifyAuthHook(options)` hook to every route of the
 * instance it is registered on. It is wrapped the way `fastify-plugin` wraps
 * (without depending on it): it skips encapsulation, so the hook also covers
 * routes declared outside the `register` call. For a mix of public and
 * protected routes, use the hook per route or in an encapsulated scope.
 * Works with Fastify 4 and 5. Bad options reject `register` (and so
 * `ready()`/`listen()`) with a `TypeError`.
 */
export const fastifyLogtoAuth: FastifyLogtoAuthPlugin = Object.assign(
  async function logtoAuthPlugin(fastify: FastifyInstanceLike, options: VerifyAuthOptions): Promise<void> {
    const hook = createFastifyAuthHook(options);
    fastify.decorateRequest('auth', null);
    fastify.addHook('onRequest', hook);
  },
  {
    // what fastify-plugin sets: no encapsulation, a display name, the versions it supports
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: FASTIFY_PLUGIN_NAME,
    [Symbol.for('plugin-meta')]: { fastify: '4.x || 5.x', name: FASTIFY_PLUGIN_NAME },
  },
);

/** A Fastify guard: a `preHandler` (or a later `onRequest`) hook after the auth hook. */
export type FastifyGuard = (request: FastifyRequestLike & { params?: unknown }, reply: FastifyReplyLike) => Promise<void>;

/**
 * Per-route guards over the `request.auth` the auth hook set, with no second
 * verification: `app.post('/admin', { preHandler: requireScopes('admin') }, handler)`.
 * A failure replies like the auth hook: 401 `TOKEN_MISSING` for a guest, else
 * a 403 (`SCOPE_MISSING`, `ORGANIZATION_INVALID`, `CLAIM_INVALID`,
 * `ACTOR_INVALID`) with `error="insufficient_scope"`. A guard with no auth
 * before it throws (a 500): add the auth hook first. A CORS preflight is
 * answered 204 here and never reaches the handler (`@fastify/cors` answers it
 * first where registered). `{ param }` reads `request.params`; a function gets `request`.
 */
export const { guard, requireScopes, requireAnyScope, requireOrganization, requireClaims, requireActor, forbidActor, requireUser, requireMachine, requireClients } = guardsFor(fastifyGuard);

function fastifyGuard(requirement: Requirement<FastifyRequestLike>, name: string): FastifyGuard {
  return async function logtoGuard(request, reply) {
    if (isCorsPreflight(request.method, request.headers)) {
      reply.code(PREFLIGHT_STATUS);
      reply.send();
      return;
    }
    const auth = request.auth;
    if (auth === undefined || auth === null) throw new Error(`logto-authkit: ${name}() found no request.auth: add the auth hook (createFastifyAuthHook or fastifyLogtoAuth) before the guard`);
    const error = requirementError(auth, requirement, { raw: request, params: request.params as Record<string, unknown> | undefined, headers: request.headers });
    if (error) sendError(reply, error, guardChallenge(auth, error));
  };
}

function sendError(reply: FastifyReplyLike, error: Parameters<typeof errorAnswer>[0], challenge?: ChallengeOptions): void {
  const answer = errorAnswer(error, challenge);
  reply.code(answer.status);
  for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
  // sent before the hook's promise settles, so Fastify stops the chain here
  reply.send(answer.body);
}
