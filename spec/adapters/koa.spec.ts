// The Koa adapter without a server: what it checks at creation and what it
// writes on a context. Real Koa apps over HTTP are in spec/e2e/koa.e2e.spec.ts
// and the conformance table.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createKoaAuthMiddleware, requireScopes, type KoaContextLike } from '../../lib/adapters/koa.ts';
import type { VerifyAuthOptions } from '../../lib/options.ts';

const OPTIONS: VerifyAuthOptions = { logtoUrl: 'https://tenant.logto.test', audience: 'https://api.example.test' };

/** A context that records every write, in order. */
function recordingContext(method: string, headers: Record<string, string>): KoaContextLike & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    method,
    req: { headers, rawHeaders: Object.entries(headers).flat() },
    state: {},
    set status(status: number) {
      calls.push(`status ${status}`);
    },
    set body(body: unknown) {
      calls.push(`body ${String(body)}`);
    },
    set: (name, value) => void calls.push(`set ${name}: ${value}`),
    append: (name, value) => void calls.push(`append ${name}: ${value}`),
  } as KoaContextLike & { calls: string[] };
}

describe('createKoaAuthMiddleware', () => {
  const bad: Array<[string, unknown]> = [
    ['no logtoUrl', { audience: 'https://api.example.test' }],
    ['a logtoUrl that is not http(s)', { logtoUrl: 'ftp://tenant.logto.test', audience: 'https://api.example.test' }],
    ['no audience', { logtoUrl: 'https://tenant.logto.test' }],
    ['an empty audience list', { logtoUrl: 'https://tenant.logto.test', audience: [] }],
  ];
  for (const [description, options] of bad) {
    test(`throws a TypeError at creation for ${description}`, () => {
      assert.throws(() => createKoaAuthMiddleware(options as VerifyAuthOptions), TypeError);
    });
  }

  test('answers 401 with the status, the headers, then the JSON body, and does not call next, when no token is sent', async () => {
    const ctx = recordingContext('GET', {});
    let nexts = 0;
    await createKoaAuthMiddleware(OPTIONS)(ctx, async () => void nexts++);
    assert.equal(nexts, 0);
    assert.deepEqual(ctx.calls, [
      'status 401',
      'set cache-control: no-store',
      'set www-authenticate: Bearer',
      'set content-type: application/json; charset=utf-8',
      'body {"error":"TOKEN_MISSING","message":"no access token in the cookie or the Authorization header"}',
    ]);
    assert.equal(ctx.state.auth, undefined);
  });

  test('gives a new guest the context and appends one Set-Cookie, then calls next once', async () => {
    const ctx = recordingContext('GET', {});
    let nexts = 0;
    await createKoaAuthMiddleware({ ...OPTIONS, allowGuest: true })(ctx, async () => void nexts++);
    assert.equal(nexts, 1);
    assert.equal(ctx.state.auth?.isGuest, true);
    assert.deepEqual(ctx.calls, [`append set-cookie: guest_logto_authtoken=${ctx.state.auth?.guestId}; Path=/; HttpOnly; SameSite=Lax`]);
  });

  test('sets an unauthenticated context for a CORS preflight and writes nothing', async () => {
    const ctx = recordingContext('OPTIONS', { 'access-control-request-method': 'PUT' });
    let nexts = 0;
    await createKoaAuthMiddleware(OPTIONS)(ctx, async () => void nexts++);
    assert.deepEqual([nexts, ctx.state.auth, ctx.calls], [1, { userId: null, isAuthenticated: false, payload: null }, []]);
  });
});

describe('Koa guards', () => {
  test('answers a guest 401 TOKEN_MISSING and does not call next', async () => {
    const ctx = recordingContext('GET', {});
    ctx.state.auth = { userId: null, isAuthenticated: false, payload: null, isGuest: true, guestId: '6e56d462-8f1b-4c7e-9a3d-2b5c1f0e9a77' };
    let nexts = 0;
    await requireScopes('admin')(ctx, async () => void nexts++);
    assert.deepEqual([nexts, ctx.calls[0], ctx.calls.at(-1)], [0, 'status 401', 'body {"error":"TOKEN_MISSING","message":"this route needs an authenticated user: the request has no valid access token"}']);
  });

  test('throws when no auth middleware ran before it', async () => {
    await assert.rejects(requireScopes('admin')(recordingContext('GET', {}), async () => undefined), /found no ctx\.state\.auth/);
  });
});
