// withAuth with options given as a function (RuntimeOptions): read at the
// first request, not when the route module loads (which `next build` does),
// kept once valid; bad run-time options reject the request with the
// TypeError (Next answers 500), never call the handler, and are asked again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withAuth } from '../../lib/adapters/next.ts';
import type { VerifyAuthOptions } from '../../lib/options.ts';

const GOOD: VerifyAuthOptions = { logtoUrl: 'https://tenant.logto.app', audience: 'https://api.example.com' };
const request = () => new Request('https://api.example.com/api/profile');

test('literal bad options still throw a TypeError when withAuth is called', () => {
  assert.throws(() => withAuth(async () => Response.json({}), { logtoUrl: '', audience: '' }), TypeError);
});

test('options given as a function are not read when withAuth is called', () => {
  let calls = 0;
  withAuth(async () => Response.json({}), () => {
    calls++;
    return { logtoUrl: '', audience: '' };
  });
  assert.equal(calls, 0);
});

test('options given as a function are read once, at the first request, and answer as literal ones', async () => {
  let calls = 0;
  const handler = withAuth(async () => Response.json({ ok: true }), () => {
    calls++;
    return GOOD;
  });
  const first = await handler(request(), undefined);
  const second = await handler(request(), undefined);
  assert.equal(calls, 1);
  for (const response of [first, second]) {
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await response.json()).error, 'TOKEN_MISSING');
  }
});

test('bad run-time options reject each request with a TypeError, never reach the handler, and are read again', async () => {
  let calls = 0;
  let handled = 0;
  const env: Record<string, string | undefined> = {};
  const handler = withAuth(
    async () => {
      handled++;
      return Response.json({ ok: true });
    },
    () => {
      calls++;
      return { logtoUrl: env.LOGTO_URL!, audience: env.LOGTO_AUDIENCE! };
    },
  );
  await assert.rejects(handler(request(), undefined), TypeError);
  await assert.rejects(handler(request(), undefined), TypeError);
  assert.equal(calls, 2);
  env.LOGTO_URL = GOOD.logtoUrl;
  env.LOGTO_AUDIENCE = GOOD.audience as string;
  const response = await handler(request(), undefined);
  assert.equal(response.status, 401);
  assert.equal(calls, 3);
  assert.equal(handled, 0);
});
