// The Fastify adapter without a server: what it checks at creation, what it
// writes on a reply, and how the plugin presents itself to Fastify. Real apps
// over HTTP are in spec/e2e/fastify.e2e.spec.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createFastifyAuthHook, fastifyLogtoAuth, type FastifyAuthHook, type FastifyReplyLike, type FastifyRequestLike } from '../../lib/adapters/fastify.ts';
import type { VerifyAuthOptions } from '../../lib/options.ts';

const OPTIONS: VerifyAuthOptions = { logtoUrl: 'https://tenant.logto.test', audience: 'https://api.example.test' };

/** A reply that records every call, in order. */
function recordingReply(): FastifyReplyLike & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    code: (status) => calls.push(`code ${status}`),
    header: (name, value) => calls.push(`header ${name}: ${value}`),
    send: (payload) => calls.push(`send ${payload}`),
  };
}

describe('createFastifyAuthHook', () => {
  const bad: Array<[string, unknown]> = [
    ['no logtoUrl', { audience: 'https://api.example.test' }],
    ['a logtoUrl that is not http(s)', { logtoUrl: 'ftp://tenant.logto.test', audience: 'https://api.example.test' }],
    ['no audience', { logtoUrl: 'https://tenant.logto.test' }],
    ['an empty audience list', { logtoUrl: 'https://tenant.logto.test', audience: [] }],
  ];
  for (const [description, options] of bad) {
    test(`throws a TypeError at creation for ${description}`, () => {
      assert.throws(() => createFastifyAuthHook(options as VerifyAuthOptions), TypeError);
    });
  }

  test('replies 401 with the JSON error and the challenge, in one code/header/send sequence, when no token is sent', async () => {
    const hook: FastifyAuthHook = createFastifyAuthHook(OPTIONS);
    const request: FastifyRequestLike = { method: 'GET', headers: {} };
    const reply = recordingReply();
    await hook(request, reply);
    assert.deepEqual(reply.calls, [
      'code 401',
      'header cache-control: no-store',
      'header www-authenticate: Bearer',
      'header content-type: application/json; charset=utf-8',
      'send {"error":"TOKEN_MISSING","message":"no access token in the cookie or the Authorization header"}',
    ]);
    assert.equal(request.auth, undefined);
  });

  test('is callback style when Fastify passes done: an answer found without I/O calls done once, before the hook returns', () => {
    const hook = createFastifyAuthHook({ ...OPTIONS, allowGuest: true });
    const done: unknown[] = [];
    const refused = createFastifyAuthHook(OPTIONS);
    const reply = recordingReply();
    assert.equal(refused({ method: 'GET', headers: {} }, reply, (error) => done.push(error ?? 'done')), undefined);
    assert.deepEqual([done, reply.calls[0]], [['done'], 'code 401']);
    const request: FastifyRequestLike = { method: 'GET', headers: {} };
    assert.equal(hook(request, recordingReply(), (error) => done.push(error ?? 'done')), undefined);
    assert.deepEqual([done, request.auth?.isGuest], [['done', 'done'], true]);
  });

  test('passes an error that is no AuthError to done, and rejects with it when called without done', async () => {
    const hook = createFastifyAuthHook(OPTIONS);
    const odd = { method: 'GET', headers: null } as unknown as FastifyRequestLike;
    const done: unknown[] = [];
    hook(odd, recordingReply(), (error) => done.push(error));
    assert.equal(done.length, 1);
    assert.ok(done[0] instanceof TypeError);
    await assert.rejects(hook(odd, recordingReply()), TypeError);
  });

  test('writes nothing on a reply that went out while it awaited the JWKS, and still lets Fastify go on once', async () => {
    const reply: FastifyReplyLike & { calls: string[]; sent: boolean } = { ...recordingReply(), sent: false };
    // the JWKS answers (a failure) only after something else replied
    const hook = createFastifyAuthHook({ logtoUrl: 'https://late.logto.test', audience: OPTIONS.audience, fetch: async () => ((reply.sent = true), new Response('down', { status: 500 })) });
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = `${part({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })}.${part({ sub: 'user_1', exp: 4_102_444_800 })}.${Buffer.alloc(64, 1).toString('base64url')}`;
    const dones: unknown[][] = [];
    await new Promise<void>((resolve) => hook({ method: 'GET', headers: { authorization: `Bearer ${token}` } }, reply, (...args: unknown[]) => (dones.push(args), resolve())));
    assert.deepEqual(reply.calls, []);
    assert.deepEqual(dones, [[]]);
  });

  test('sets an unauthenticated context for a CORS preflight and writes nothing', async () => {
    const request: FastifyRequestLike = { method: 'OPTIONS', headers: { 'access-control-request-method': 'PUT' } };
    const reply = recordingReply();
    await createFastifyAuthHook(OPTIONS)(request, reply);
    assert.deepEqual(request.auth, { userId: null, isAuthenticated: false, payload: null });
    assert.deepEqual(reply.calls, []);
  });

  test('gives a guest the context and one Set-Cookie, Secure when the request is https', async () => {
    const request: FastifyRequestLike = { method: 'GET', headers: {}, protocol: 'https' };
    const reply = recordingReply();
    await createFastifyAuthHook({ ...OPTIONS, allowGuest: true })(request, reply);
    assert.equal(request.auth?.isGuest, true);
    assert.deepEqual(reply.calls, [`header set-cookie: guest_logto_authtoken=${request.auth?.guestId}; Path=/; HttpOnly; SameSite=Lax; Secure`]);
  });
});

describe('fastifyLogtoAuth', () => {
  test('carries the marks fastify-plugin would set: no encapsulation, its name, Fastify 4 and 5', () => {
    const marks = fastifyLogtoAuth as unknown as Record<symbol, unknown>;
    assert.equal(marks[Symbol.for('skip-override')], true);
    assert.equal(marks[Symbol.for('fastify.display-name')], 'logto-authkit');
    assert.deepEqual(marks[Symbol.for('plugin-meta')], { fastify: '4.x || 5.x', name: 'logto-authkit' });
  });

  test('decorates request.auth with null, then adds the onRequest hook', async () => {
    const calls: unknown[][] = [];
    await fastifyLogtoAuth({ decorateRequest: (...args) => calls.push(['decorateRequest', ...args]), addHook: (...args) => calls.push(['addHook', ...args]) }, OPTIONS);
    assert.deepEqual(calls.map((call) => call.slice(0, 3).map((value) => (typeof value === 'function' ? 'function' : value))), [
      ['decorateRequest', 'auth', null],
      ['addHook', 'onRequest', 'function'],
    ]);
  });

  test('rejects with a TypeError for bad options, before decorating anything', async () => {
    const calls: string[] = [];
    await assert.rejects(fastifyLogtoAuth({ decorateRequest: () => calls.push('decorate'), addHook: () => calls.push('hook') }, { audience: 'x' } as VerifyAuthOptions), TypeError);
    assert.deepEqual(calls, []);
  });
});
