// The Hapi scheme without a server: what it checks when a strategy is made and
// what it hands Hapi. Real Hapi servers over HTTP are in spec/e2e/hapi.e2e.spec.ts
// and the conformance table.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hapiLogtoScheme, type HapiRequestLike, type HapiResponseLike, type HapiToolkitLike } from '../../lib/adapters/hapi.ts';
import type { VerifyAuthOptions } from '../../lib/options.ts';

const OPTIONS: VerifyAuthOptions = { logtoUrl: 'https://tenant.logto.test', audience: 'https://api.example.test' };
const server = { ext: () => undefined };

/** A toolkit that records what the scheme handed back. */
function recordingToolkit(): HapiToolkitLike & { calls: string[] } {
  const calls: string[] = [];
  const response: HapiResponseLike = {
    code: (status) => (calls.push(`code ${status}`), response),
    header: (name, value) => (calls.push(`header ${name}: ${value}`), response),
    takeover: () => (calls.push('takeover'), response),
  };
  return {
    calls,
    continue: Symbol('continue'),
    response: (body) => (calls.push(`response ${String(body)}`), response),
    authenticated: ({ credentials }) => ({ calls: calls.push(`authenticated ${JSON.stringify(credentials)}`) }),
    unauthenticated: (error) => ({ calls: calls.push(`unauthenticated ${(error as { code?: string }).code}`) }),
  };
}

const request = (method: string, headers: Record<string, string>, mode = 'required'): HapiRequestLike => ({ headers, raw: { req: { method, rawHeaders: [] } }, auth: { mode }, server: { info: { protocol: 'http' } } });

describe('hapiLogtoScheme', () => {
  test('throws a TypeError when the strategy is made without options or with bad ones', () => {
    assert.throws(() => hapiLogtoScheme(server), TypeError);
    assert.throws(() => hapiLogtoScheme(server, { audience: 'x' } as VerifyAuthOptions), TypeError);
    assert.throws(() => hapiLogtoScheme(server, { ...OPTIONS, audience: [] }), TypeError);
  });

  test('answers no token with the status, the headers and the JSON body as a takeover', async () => {
    const h = recordingToolkit();
    await hapiLogtoScheme(server, OPTIONS).authenticate(request('GET', {}), h);
    assert.deepEqual(h.calls, [
      'response {"error":"TOKEN_MISSING","message":"no access token in the cookie or the Authorization header"}',
      'code 401',
      'header cache-control: no-store',
      'header www-authenticate: Bearer',
      'header content-type: application/json; charset=utf-8',
      'takeover',
    ]);
  });

  test("hands Hapi the failure in mode 'try', and a missing token in mode 'optional'", async () => {
    const h = recordingToolkit();
    const scheme = hapiLogtoScheme(server, OPTIONS);
    await scheme.authenticate(request('GET', { authorization: 'Bearer abc.def' }, 'try'), h);
    await scheme.authenticate(request('GET', {}, 'optional'), h);
    assert.deepEqual(h.calls, ['unauthenticated TOKEN_MALFORMED', 'unauthenticated TOKEN_MISSING']);
  });

  test('authenticates a CORS preflight with an unauthenticated context and no scopes', async () => {
    const h = recordingToolkit();
    await hapiLogtoScheme(server, OPTIONS).authenticate(request('OPTIONS', { 'access-control-request-method': 'PUT' }), h);
    assert.deepEqual(h.calls, ['authenticated {"userId":null,"isAuthenticated":false,"payload":null,"scope":[]}']);
  });
});
