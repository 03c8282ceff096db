// serveIssuer: the test issuer on a real loopback server, found by the library
// with the global fetch as any other process would; the mint endpoint is off
// unless asked, and then answers loopback clients only.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { verifyLogtoToken } from '../../lib/verify.ts';
import { serveIssuer, type NodeHttpLike } from '../../lib/testing/index.ts';

test('serves discovery and JWKS on 127.0.0.1; its tokens verify through the network', async () => {
  const server = await serveIssuer(http);
  try {
    assert.match(server.logtoUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const discovery = await (await fetch(`${server.logtoUrl}/oidc/.well-known/openid-configuration`)).json();
    assert.equal(discovery.jwks_uri, `${server.logtoUrl}/oidc/jwks`);
    const token = await server.issuer.accessToken({ sub: 'alice', scope: 'read:data' });
    const context = await verifyLogtoToken(token, { logtoUrl: server.logtoUrl, audience: server.issuer.audience, requiredScope: 'read:data' });
    assert.equal(context.userId, 'alice');
    assert.equal(server.issuer.requests['/oidc/jwks'], 1);
  } finally {
    await server.close();
  }
});

test('has no mint endpoint unless asked', async () => {
  const server = await serveIssuer(http);
  try {
    const response = await fetch(`${server.logtoUrl}/__authkit/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(response.status, 404);
  } finally {
    await server.close();
  }
});

test('the mint endpoint refuses a client that is not on loopback', async () => {
  // a server whose listener we call with the request a remote client would make
  let listener: Parameters<NodeHttpLike['createServer']>[0] | undefined;
  const fake: NodeHttpLike = {
    createServer(handler) {
      listener = handler;
      return { listen: (_port, _host, callback) => callback(), address: () => ({ port: 4000 }), close: (callback) => callback?.(), once: () => undefined };
    },
  };
  const server = await serveIssuer(fake, { mint: true });
  const answer = await new Promise<{ status: number; body: string }>((done) => {
    const response = { statusCode: 0, setHeader: () => undefined, end: (body?: string) => done({ status: response.statusCode, body: body ?? '' }) };
    const body = new TextEncoder().encode('{"scope":["read:data"]}');
    listener!(
      {
        method: 'POST',
        url: '/__authkit/token',
        headers: { host: '127.0.0.1:4000', 'content-type': 'application/json' },
        socket: { remoteAddress: '203.0.113.5' },
        async *[Symbol.asyncIterator]() {
          yield body;
        },
      },
      response,
    );
  });
  assert.equal(answer.status, 403);
  assert.deepEqual(JSON.parse(answer.body), { error: 'loopback_only' });
  await server.close();
});
