// The NestJS adapter without Nest: the metadata its decorators write (under
// Nest's own keys, through reflect-metadata as Nest loads it), the module's
// providers, and what the guard does with a bare execution context. Nest apps
// over HTTP are in spec/e2e/nestjs.e2e.spec.ts and the conformance table.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Auth, LOGTO_AUTH_OPTIONS, LOGTO_PUBLIC_KEY, LOGTO_REQUIREMENTS_KEY, LogtoAuthGuard, LogtoAuthModule, Public, RequireAnyScope, Requires, RequireScopes, type NestExecutionContextLike } from '../../lib/adapters/nestjs.ts';
import type { AuthContext } from '../../lib/context.ts';

const OPTIONS = { logtoUrl: 'https://tenant.logto.test', audience: 'https://api.example.test' };
const meta = Reflect as unknown as { getMetadata(key: string, target: object, property?: string): unknown };

// decorators applied as TypeScript's experimentalDecorators would apply them
class ItemsController {
  list() {}
  remove(_auth: unknown, _userId: unknown) {}
}
const method = (name: 'list' | 'remove') => Object.getOwnPropertyDescriptor(ItemsController.prototype, name)!;
Public()(ItemsController.prototype, 'list', method('list'));
RequireScopes('read:data')(ItemsController);
RequireScopes('delete:items')(ItemsController.prototype, 'remove', method('remove'));
RequireAnyScope('admin', 'owner')(ItemsController.prototype, 'remove', method('remove'));
Auth()(ItemsController.prototype, 'remove', 0);
Auth('userId')(ItemsController.prototype, 'remove', 1);

/** A Node-like response that records what the guard wrote. */
function recordingResponse() {
  const written: { status?: number; headers: Record<string, string | string[]>; body?: string } = { headers: {} };
  return {
    written,
    set statusCode(status: number) {
      written.status = status;
    },
    setHeader: (name: string, value: string | string[]) => void (written.headers[name] = value),
    getHeader: (name: string) => written.headers[name],
    end: (body?: string) => void (written.body = body),
  };
}

function httpContext(handler: object, request: object, response: object, type = 'http'): NestExecutionContextLike {
  return { getType: () => type, getHandler: () => handler, getClass: () => ItemsController, switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }) };
}

describe('NestJS decorators', () => {
  test('write what SetMetadata would: on the handler for a method, on the class for a controller', () => {
    assert.equal(meta.getMetadata(LOGTO_PUBLIC_KEY, ItemsController.prototype.list), true);
    assert.equal(meta.getMetadata(LOGTO_PUBLIC_KEY, ItemsController), undefined);
    assert.deepEqual(meta.getMetadata(LOGTO_REQUIREMENTS_KEY, ItemsController), [{ scopes: ['read:data'] }]);
    // stacked: both stay, in the order applied (TypeScript applies the lowest first)
    assert.deepEqual(meta.getMetadata(LOGTO_REQUIREMENTS_KEY, ItemsController.prototype.remove), [{ scopes: ['delete:items'] }, { anyScope: ['admin', 'owner'] }]);
  });

  test("write @Auth() as createParamDecorator does: a __customRouteArgs__ entry whose factory reads request.auth", () => {
    const args = meta.getMetadata('__routeArguments__', ItemsController, 'remove') as Record<string, { index: number; data: unknown; factory(data: unknown, context: NestExecutionContextLike): unknown }>;
    const entries = Object.entries(args).sort(([, a], [, b]) => a.index - b.index);
    assert.deepEqual(entries.map(([key, value]) => [key.includes('__customRouteArgs__:') && key.endsWith(`:${value.index}`), value.data]), [[true, undefined], [true, 'userId']]);
    const auth: AuthContext = { userId: 'user_1', isAuthenticated: true, payload: { sub: 'user_1' } };
    const context = httpContext(ItemsController.prototype.remove, { auth }, {});
    assert.deepEqual([entries[0]![1].factory(undefined, context), entries[1]![1].factory('userId', context)], [auth, 'user_1']);
  });

  test('refuse a malformed requirement when applied (TypeError)', () => {
    assert.throws(() => RequireScopes(), TypeError);
    assert.throws(() => Requires({ scopes: ['two words'] }), TypeError);
  });

  test('mark the guard injectable with LOGTO_AUTH_OPTIONS as its one dependency, as @Injectable() and @Inject() would', () => {
    assert.equal(meta.getMetadata('__injectable__', LogtoAuthGuard), true);
    assert.deepEqual(meta.getMetadata('self:paramtypes', LogtoAuthGuard), [{ index: 0, param: LOGTO_AUTH_OPTIONS }]);
    assert.deepEqual(meta.getMetadata('design:paramtypes', LogtoAuthGuard), [Object]);
  });
});

describe('LogtoAuthModule', () => {
  test('forRoot provides the options, the guard, and the guard as APP_GUARD unless globalGuard is false', () => {
    const module = LogtoAuthModule.forRoot(OPTIONS);
    assert.equal(module.global, true);
    assert.deepEqual(module.providers[0], { provide: LOGTO_AUTH_OPTIONS, useValue: OPTIONS });
    assert.deepEqual(module.providers[2], { provide: 'APP_GUARD', useExisting: LogtoAuthGuard });
    const guard = (module.providers[1] as unknown as { useFactory(options: object): unknown }).useFactory(OPTIONS);
    assert.ok(guard instanceof LogtoAuthGuard);
    assert.equal(LogtoAuthModule.forRoot({ ...OPTIONS, globalGuard: false }).providers.length, 2);
  });

  test('forRootAsync takes the factory and what it injects', () => {
    const useFactory = (config: { get(key: string): typeof OPTIONS }) => config.get('logto');
    const module = LogtoAuthModule.forRootAsync({ imports: ['ConfigModule'], inject: ['ConfigService'], useFactory });
    assert.deepEqual([module.imports, module.providers[0]], [['ConfigModule'], { provide: LOGTO_AUTH_OPTIONS, useFactory, inject: ['ConfigService'] }]);
  });
});

describe('LogtoAuthGuard', () => {
  test('throws a TypeError for bad options when made', () => {
    assert.throws(() => new LogtoAuthGuard({ audience: 'x' } as typeof OPTIONS), TypeError);
  });

  test('lets a @Public() route through without reading the request', () => {
    assert.equal(new LogtoAuthGuard(OPTIONS).canActivate(httpContext(ItemsController.prototype.list, {}, {})), true);
  });

  test('answers no token with the 401 itself and returns false', async () => {
    const response = recordingResponse();
    const allowed = await new LogtoAuthGuard(OPTIONS).canActivate(httpContext(ItemsController.prototype.remove, { method: 'GET', headers: {} }, response));
    assert.equal(allowed, false);
    assert.deepEqual(response.written, {
      status: 401,
      headers: { 'cache-control': 'no-store', 'www-authenticate': 'Bearer', 'content-type': 'application/json; charset=utf-8' },
      body: '{"error":"TOKEN_MISSING","message":"no access token in the cookie or the Authorization header"}',
    });
  });

  test('answers a CORS preflight 204 on a route with requirements, without running it', async () => {
    const response = recordingResponse();
    const request = { method: 'OPTIONS', headers: { 'access-control-request-method': 'DELETE' } } as { method: string; headers: object; auth?: AuthContext };
    assert.equal(await new LogtoAuthGuard(OPTIONS).canActivate(httpContext(ItemsController.prototype.remove, request, response)), false);
    assert.deepEqual([response.written.status, response.written.body, request.auth?.isAuthenticated], [204, undefined, false]);
  });

  test('throws on a context that is not HTTP', () => {
    assert.throws(() => new LogtoAuthGuard(OPTIONS).canActivate(httpContext(ItemsController.prototype.remove, {}, {}, 'rpc')), /HTTP only/);
  });
});
