/**
 * NestJS (11 and 12, on its Express and Fastify platforms): a guard, route
 * decorators, a parameter decorator and a module. Structural types only:
 * nothing from `@nestjs/*` or `reflect-metadata` is imported. The decorators
 * are plain functions that write the metadata Nest's own decorators write
 * (`SetMetadata`, `createParamDecorator`, `@Inject`), under the same keys,
 * through the `Reflect.defineMetadata` that Nest's `reflect-metadata` import
 * installs; where it is missing they keep it in a `WeakMap` of their own.
 * @see https://docs.nestjs.com/guards
 * @module
 */
// ClaimPredicate and OrganizationSource are imported so the emitted .d.ts names the guards'
// types; left out, tsc writes import("./<adapter>.js"), which the .d.cts build does not rewrite
import { assertRequirement, requirementError, type ClaimPredicate, type OrganizationSource, type Requirement } from '../authorize/requirements.js';
import { unauthenticatedContext, type AuthContext } from '../context.js';
import type { AuthError } from '../errors.js';
import { resolveOptions, type VerifyAuthOptions } from '../options.js';
import { isCorsPreflight } from '../request/preflight.js';
import type { HeadersLike, RequestLike } from '../request/token-source.js';
import { authenticate, type AuthOutcome } from '../verify.js';
import { challengeFor, errorAnswer, guardChallenge, guestSetCookie, noteForGuards, type ChallengeOptions } from './http-answer.js';

export { claimIncludes, claimEquals, checkRequirements } from '../authorize/requirements.js';
export type { Requirement, OrganizationSource, ClaimPredicate } from '../authorize/requirements.js';
export { resourceMetadataHandler, resourceMetadataPath, protectedResourceMetadata } from '../authorize/resource-metadata.js';

/** The injection token of the options: `@Inject(LOGTO_AUTH_OPTIONS) options: VerifyAuthOptions`. */
export const LOGTO_AUTH_OPTIONS = 'LOGTO_AUTH_OPTIONS';
/** The metadata key `@Public()` sets (to `true`), readable with Nest's `Reflector`. */
export const LOGTO_PUBLIC_KEY = 'logto-authkit:public';
/** The metadata key of the requirements the route decorators add (a list of `Requirement`), readable with Nest's `Reflector`. */
export const LOGTO_REQUIREMENTS_KEY = 'logto-authkit:requirements';

// Nest's own metadata keys (@nestjs/common constants.ts), the same in Nest 10, 11 and 12
const NEST = {
  paramtypes: 'design:paramtypes',
  selfDeclaredDeps: 'self:paramtypes',
  injectable: '__injectable__',
  routeArgs: '__routeArguments__',
  customRouteArgs: '__customRouteArgs__',
  appGuard: 'APP_GUARD', // @nestjs/core APP_GUARD
} as const;

/** What a Nest `ExecutionContext` gives the guard. */
export interface NestExecutionContextLike {
  getType(): string;
  getHandler(): object;
  getClass(): object;
  switchToHttp(): { getRequest(): unknown; getResponse(): unknown };
}

/** The request on either platform: Express's (Node's request) or Fastify's (with Node's as `raw`). */
export interface NestRequestLike {
  method: string;
  headers: HeadersLike;
  params?: Record<string, unknown>;
  /** Express: `req.secure`. */
  secure?: boolean;
  /** Fastify: `'https'` makes the guest cookie `Secure`. */
  protocol?: string;
  /** Express: Node's `rawHeaders`, which show a repeated `Authorization`. */
  rawHeaders?: string[];
  /** Fastify: Node's request. */
  raw?: { rawHeaders?: string[] };
  /** Set by the guard: the verified context. */
  auth?: AuthContext;
}

/** Express's response (Node's `ServerResponse`). */
interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string | string[]): unknown;
  getHeader(name: string): number | string | string[] | undefined;
  end(body?: string): unknown;
}

/** Fastify's reply. */
interface FastifyReplyLike {
  raw: object;
  code(status: number): unknown;
  header(name: string, value: string): unknown;
  send(payload?: string): unknown;
}

/** What the module's options add to `VerifyAuthOptions`. */
export interface LogtoAuthModuleOptions extends VerifyAuthOptions {
  /** Default: `true`: the guard is registered as `APP_GUARD`, every route needs a token unless `@Public()`. */
  globalGuard?: boolean;
}

/** `forRootAsync`: options from a factory, with what it injects (a config service, say). */
export interface LogtoAuthModuleAsyncOptions {
  /** Modules whose providers the factory injects (`ConfigModule`). */
  imports?: unknown[];
  /** What the factory receives, in order (`ConfigService`). */
  inject?: unknown[];
  /** Required. Receives the `inject` providers, in order, and returns the options (or a promise of them). */
  useFactory: (...args: never[]) => VerifyAuthOptions | Promise<VerifyAuthOptions>;
  /** Default: `true`: the guard is registered as `APP_GUARD`. */
  globalGuard?: boolean;
}

/** A Nest `DynamicModule` (its lists typed `never[]`, so it fits Nest's own type without naming it). */
export interface LogtoDynamicModule {
  module: typeof LogtoAuthModule;
  global: boolean;
  imports: never[];
  providers: never[];
  exports: never[];
}

/**
 * The guard: verifies the request's token, sets `request.auth`, then checks
 * the route's requirements (`@RequireScopes`, `@RequireOrganization`, …, on the
 * controller and on the handler: all must hold). A refused request is answered
 * here with the same status, JSON body and headers as every other adapter; the
 * guard then returns `false`, and Nest's `ForbiddenException` finds the answer
 * sent (its filter ends the response and sends nothing more). A route marked
 * `@Public()` is let through unverified. A CORS preflight passes with an
 * unauthenticated context, or is answered 204 on a route with requirements.
 * Only HTTP: on another transport (microservices, websockets) it throws.
 * Globally: `LogtoAuthModule.forRoot(options)` (or `{ provide: APP_GUARD,
 * useClass: LogtoAuthGuard }`); per controller or route: `@UseGuards(LogtoAuthGuard)`
 * with the module imported and `globalGuard: false`; or
 * `app.useGlobalGuards(new LogtoAuthGuard(options))`. Bad options throw `TypeError` here.
 */
export class LogtoAuthGuard {
  readonly #resolved: ReturnType<typeof resolveOptions>;
  readonly #challenge: ChallengeOptions;
  readonly #notes: Parameters<typeof noteForGuards>[1];

  constructor(options: VerifyAuthOptions) {
    this.#resolved = resolveOptions(options, { fresh: true });
    this.#challenge = challengeFor(this.#resolved);
    this.#notes = { challenge: this.#challenge, onEvent: this.#resolved.onEvent };
  }

  canActivate(context: NestExecutionContextLike): boolean | Promise<boolean> {
    if (context.getType() !== 'http') throw new Error(`logto-authkit: LogtoAuthGuard covers HTTP only, not "${context.getType()}"`);
    const handler = context.getHandler();
    const controller = context.getClass();
    if (readMetadata(LOGTO_PUBLIC_KEY, handler) === true || readMetadata(LOGTO_PUBLIC_KEY, controller) === true) return true;
    const http = context.switchToHttp();
    const request = http.getRequest() as NestRequestLike;
    const response = http.getResponse() as NodeResponseLike | FastifyReplyLike;
    const requirements = [...requirementsOf(controller), ...requirementsOf(handler)];
    if (isCorsPreflight(request.method, request.headers)) {
      request.auth = unauthenticatedContext();
      if (requirements.length === 0) return true;
      // the route's handler would run for anyone: answer the preflight here
      writeAnswer(response, 204, {}, undefined);
      return false;
    }
    const check = (auth: AuthContext): boolean => {
      for (const requirement of requirements) {
        const error = requirementError(auth, requirement, { raw: request, params: request.params, headers: request.headers });
        if (error) return refuse(response, error, guardChallenge(auth, error));
      }
      return true;
    };
    // a global guard and @UseGuards(LogtoAuthGuard) on the same route verify once
    const verified = verifiedRequests.get(request as object);
    if (verified !== undefined) return check(verified);
    const settle = (outcome: AuthOutcome): boolean => {
      if (outcome.error) return refuse(response, outcome.error, this.#challenge);
      const auth = outcome.auth;
      const cookie = guestSetCookie(outcome, this.#resolved.guestCookieName);
      if (cookie !== undefined) appendCookie(response, cookie);
      noteForGuards(auth, this.#notes);
      request.auth = auth;
      verifiedRequests.set(request as object, auth);
      return check(auth);
    };
    const outcome = authenticate(inputOf(request), this.#resolved);
    return outcome instanceof Promise ? outcome.then(settle) : settle(outcome);
  }
}

const verifiedRequests = new WeakMap<object, AuthContext>();

function inputOf(request: NestRequestLike): RequestLike & { method: string } {
  return {
    headers: request.headers,
    method: request.method,
    // read only to mark a new guest cookie Secure: Express's req.secure, Fastify's protocol
    get secure() {
      return request.secure === true || request.protocol === 'https';
    },
    // two Authorization fields are ambiguous (TOKEN_MALFORMED); Node's rawHeaders still show them
    rawHeaders: request.rawHeaders ?? request.raw?.rawHeaders,
  };
}

function refuse(response: NodeResponseLike | FastifyReplyLike, error: AuthError, challenge: ChallengeOptions | undefined): false {
  const answer = errorAnswer(error, challenge);
  writeAnswer(response, answer.status, answer.headers, answer.body);
  return false;
}

function isFastifyReply(response: NodeResponseLike | FastifyReplyLike): response is FastifyReplyLike {
  return 'raw' in response && typeof (response as FastifyReplyLike).code === 'function';
}

function writeAnswer(response: NodeResponseLike | FastifyReplyLike, status: number, headers: Record<string, string>, body: string | undefined): void {
  if (isFastifyReply(response)) {
    response.code(status);
    for (const [name, value] of Object.entries(headers)) response.header(name, value);
    response.send(body);
    return;
  }
  response.statusCode = status;
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.end(body);
}

// another middleware may already have set cookies: add ours beside them (Fastify's header() appends set-cookie)
function appendCookie(response: NodeResponseLike | FastifyReplyLike, cookie: string): void {
  if (isFastifyReply(response)) {
    response.header('set-cookie', cookie);
    return;
  }
  const previous = response.getHeader('set-cookie');
  if (previous === undefined) response.setHeader('set-cookie', cookie);
  else response.setHeader('set-cookie', Array.isArray(previous) ? [...previous, cookie] : [String(previous), cookie]);
}

// --- metadata: Nest's Reflect.defineMetadata when reflect-metadata is loaded, else a WeakMap

interface ReflectMetadata {
  defineMetadata(key: unknown, value: unknown, target: object, property?: string | symbol): void;
  getMetadata(key: unknown, target: object, property?: string | symbol): unknown;
}

const fallback = new WeakMap<object, Map<string, unknown>>();

function reflectMetadata(): ReflectMetadata | undefined {
  const candidate = Reflect as unknown as Partial<ReflectMetadata>;
  return typeof candidate.defineMetadata === 'function' && typeof candidate.getMetadata === 'function' ? (candidate as ReflectMetadata) : undefined;
}

function writeMetadata(key: string, value: unknown, target: object): void {
  reflectMetadata()?.defineMetadata(key, value, target);
  let own = fallback.get(target);
  if (own === undefined) fallback.set(target, (own = new Map()));
  own.set(key, value);
}

function readMetadata(key: string, target: object): unknown {
  return reflectMetadata()?.getMetadata(key, target) ?? fallback.get(target)?.get(key);
}

function requirementsOf(target: object): readonly Requirement[] {
  const list = readMetadata(LOGTO_REQUIREMENTS_KEY, target);
  return Array.isArray(list) ? (list as Requirement[]) : [];
}

/** A decorator for a controller class or a route handler, as Nest's `SetMetadata` returns. */
export type LogtoDecorator = ClassDecorator & MethodDecorator;

// Nest's SetMetadata: on a method the value goes on the handler function (descriptor.value), on a class on the class
function onTarget(apply: (target: object) => void): LogtoDecorator {
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    apply(descriptor ? (descriptor.value as object) : target);
    return descriptor ?? target;
  }) as LogtoDecorator;
}

/** The route (or every route of the controller) needs no token: the guard lets it through unverified. */
export function Public(): LogtoDecorator {
  return onTarget((target) => writeMetadata(LOGTO_PUBLIC_KEY, true, target));
}

/**
 * Adds a requirement to the route or the controller; stacked decorators all
 * hold (the controller's and the handler's). Checked (`TypeError`) when applied.
 */
export function Requires(requirement: Requirement<NestRequestLike>): LogtoDecorator {
  assertRequirement(requirement as Requirement<unknown>);
  // own requirements only: a subclass's list must not grow its parent's
  return onTarget((target) => writeMetadata(LOGTO_REQUIREMENTS_KEY, [...ownRequirements(target), requirement], target));
}

function ownRequirements(target: object): readonly Requirement[] {
  return fallback.get(target)?.get(LOGTO_REQUIREMENTS_KEY) as Requirement[] | undefined ?? [];
}

/** Every listed scope must be granted (403 `SCOPE_MISSING`). */
export const RequireScopes = (...scopes: string[]): LogtoDecorator => Requires({ scopes });
/** At least one listed scope must be granted (403 `SCOPE_MISSING`). */
export const RequireAnyScope = (...scopes: string[]): LogtoDecorator => Requires({ anyScope: scopes });
/** The token must be for an organization: any (no argument), fixed id(s), a route parameter (`{ param: 'orgId' }`), a header, or a function of the request (403 `ORGANIZATION_INVALID`). */
export const RequireOrganization = (organization: OrganizationSource<NestRequestLike> = true): LogtoDecorator => Requires({ organization });
/** Every predicate over the verified claims must hold (403 `CLAIM_INVALID`); see `claimIncludes`, `claimEquals`. */
export const RequireClaims = (...predicates: ClaimPredicate[]): LogtoDecorator => Requires({ claims: predicates });
/** The token must carry an actor, `act` (RFC 8693 §4.1): a delegated or impersonation token (403 `ACTOR_INVALID`). */
export const RequireActor = (): LogtoDecorator => Requires({ actor: true });
/** The token must not carry an actor (403 `ACTOR_INVALID`). */
export const ForbidActor = (): LogtoDecorator => Requires({ actor: false });

/** Whom a token was issued to: a user, or a machine (Logto's client credentials grant, where `sub` is the app's `client_id`). */
export type TokenKind = 'user' | 'machine';

/** The token must be a user's, or a machine-to-machine one (403 `TOKEN_TYPE_NOT_ACCEPTED`), as `requireUser()`/`requireMachine()` elsewhere. */
export function RequireTokenKind(kind: TokenKind): LogtoDecorator {
  if (kind !== 'user' && kind !== 'machine') throw new TypeError('logto-authkit: RequireTokenKind takes "user" or "machine"');
  return Requires({ acceptsToken: kind });
}

/** The token's `client_id` must be one of these, exactly (403 `CLIENT_NOT_ALLOWED`; the list never goes over HTTP). */
export const RequireClients = (...clients: string[]): LogtoDecorator => Requires({ clients });

/**
 * A parameter decorator: the `AuthContext` the guard set (`@Auth() auth`), or
 * one of its fields (`@Auth('userId') userId`). Written as Nest's
 * `createParamDecorator` writes it, so Nest calls it with the execution context.
 */
export function Auth(field?: keyof AuthContext): ParameterDecorator {
  return (target, key, index) => {
    if (key === undefined) throw new TypeError('logto-authkit: @Auth() goes on a route handler parameter');
    const meta = reflectMetadata();
    if (meta === undefined) throw new Error('logto-authkit: @Auth() needs reflect-metadata, which @nestjs/common loads: import it first');
    const args = (meta.getMetadata(NEST.routeArgs, target.constructor, key) ?? {}) as Record<string, unknown>;
    const factory = (data: keyof AuthContext | undefined, context: NestExecutionContextLike) => {
      const auth = (context.switchToHttp().getRequest() as NestRequestLike).auth;
      return data === undefined ? auth : auth?.[data];
    };
    // the key Nest's createParamDecorator makes: <unique id>__customRouteArgs__:<index>
    meta.defineMetadata(NEST.routeArgs, { ...args, [`logto-authkit-auth${NEST.customRouteArgs}:${index}`]: { index, factory, data: field, pipes: [] } }, target.constructor, key);
  };
}

// What @Injectable() and @Inject(LOGTO_AUTH_OPTIONS) would write, so Nest can
// build the guard itself (useClass, @UseGuards(LogtoAuthGuard)). Written when
// this module loads if reflect-metadata is there, and again by forRoot.
function describeGuardForNest(): void {
  const meta = reflectMetadata();
  if (meta === undefined) return;
  meta.defineMetadata(NEST.injectable, true, LogtoAuthGuard);
  meta.defineMetadata(NEST.paramtypes, [Object], LogtoAuthGuard);
  meta.defineMetadata(NEST.selfDeclaredDeps, [{ index: 0, param: LOGTO_AUTH_OPTIONS }], LogtoAuthGuard);
}
describeGuardForNest();

/**
 * The module: `LogtoAuthModule.forRoot({ logtoUrl, audience })` in the root
 * module's `imports`. Global: every module can inject `LOGTO_AUTH_OPTIONS` and
 * `LogtoAuthGuard`. The guard guards every route (`APP_GUARD`) unless
 * `globalGuard: false`.
 */
export class LogtoAuthModule {
  static forRoot(options: LogtoAuthModuleOptions): LogtoDynamicModule {
    const { globalGuard = true, ...verify } = options;
    return moduleOf({ provide: LOGTO_AUTH_OPTIONS, useValue: verify }, [], globalGuard);
  }

  /** Options from a factory that injects what it needs: `{ imports: [ConfigModule], inject: [ConfigService], useFactory: (config) => ({ ... }) }`. */
  static forRootAsync(options: LogtoAuthModuleAsyncOptions): LogtoDynamicModule {
    return moduleOf({ provide: LOGTO_AUTH_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }, options.imports ?? [], options.globalGuard ?? true);
  }
}

function moduleOf(optionsProvider: object, imports: unknown[], globalGuard: boolean): LogtoDynamicModule {
  describeGuardForNest();
  // one guard per application, made from the injected options (no class metadata needed for it)
  const guard = { provide: LogtoAuthGuard, useFactory: (options: VerifyAuthOptions) => new LogtoAuthGuard(options), inject: [LOGTO_AUTH_OPTIONS] };
  const providers: unknown[] = [optionsProvider, guard];
  if (globalGuard) providers.push({ provide: NEST.appGuard, useExisting: LogtoAuthGuard });
  return { module: LogtoAuthModule, global: true, imports: imports as never[], providers: providers as never[], exports: [LOGTO_AUTH_OPTIONS, LogtoAuthGuard] as never[] };
}
