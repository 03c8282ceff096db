// Handlers that never reject (issue 19): an aborted upload (half a body, then a
// TCP reset) and a revocation that throws, against the webhook and the
// back-channel logout handlers on bare node:http, Express 4, Express 5 and the
// Fetch handler (through @hono/node-server). The process survives: no
// unhandled rejection, no uncaught exception, and the next request is answered.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express5 from 'express';
import express4 from 'express4';
import { getRequestListener } from '@hono/node-server';
import { createBackchannelLogoutHandler, createLogtoWebhookHandler, createNodeBackchannelLogoutHandler, createNodeLogtoWebhookHandler } from '../../lib/adapters/revocation-handlers.ts';
import type { AuthEvent } from '../../lib/events.ts';
import { serveOnLoopback, type LoopbackServer } from '../helpers/loopback.ts';

const SIGNING_KEY = 'whsec_abort';
const DEADLINE_MS = 10_000;

const failures: unknown[] = [];
const onUnhandled = (reason: unknown) => void failures.push(reason);
before(() => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
});
after(() => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

const throwing = () => Promise.reject(new Error('the store is down'));
const target = { revokeUser: throwing, revokeSession: throwing, revokeMembership: throwing, revokeOrganization: throwing, revokeScope: throwing };

type Kind = 'node:http' | 'Express 4' | 'Express 5' | 'Fetch';

function serverFor(kind: Kind, events: AuthEvent[]): Promise<LoopbackServer> {
  const onEvent = (event: AuthEvent) => void events.push(event);
  const webhookOptions = { signingKey: SIGNING_KEY, revocation: target, onEvent };
  const logoutOptions = { logtoUrl: 'http://127.0.0.1:9', clientId: 'web-app', revocation: target, onEvent };
  if (kind === 'Fetch') {
    const webhook = createLogtoWebhookHandler(webhookOptions);
    const logout = createBackchannelLogoutHandler(logoutOptions);
    return serveOnLoopback(getRequestListener((request) => (new URL(request.url).pathname === '/hook' ? webhook(request) : logout(request))));
  }
  const webhook = createNodeLogtoWebhookHandler(webhookOptions);
  const logout = createNodeBackchannelLogoutHandler(logoutOptions);
  if (kind === 'node:http') {
    // a bare server ignores the returned promise, as Express 4 does
    return serveOnLoopback((req: IncomingMessage, res: ServerResponse) => void (req.url === '/hook' ? webhook(req as never, res) : logout(req as never, res)));
  }
  const app = kind === 'Express 4' ? express4() : express5();
  app.post('/hook', webhook as never);
  app.post('/logout', logout as never);
  return serveOnLoopback(app as unknown as RequestListener);
}

// half of the announced body, then a TCP reset (RST), as a client that crashed mid-upload
function abortedUpload(url: string, path: string, contentType: string): Promise<void> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\nlogto-signature-sha-256: ${'0'.repeat(64)}\r\nContent-Length: 1000\r\n\r\n${'x'.repeat(500)}`, () => {
        setTimeout(() => {
          socket.resetAndDestroy();
          resolve();
        }, 50);
      });
    });
    socket.on('error', () => resolve());
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const kind of ['node:http', 'Express 4', 'Express 5', 'Fetch'] as Kind[]) {
  describe(`revocation handlers on ${kind}`, () => {
    let server: LoopbackServer;
    const events: AuthEvent[] = [];
    before(async () => {
      server = await serverFor(kind, events);
    });
    after(() => server.close());

    for (const [path, contentType] of [['/hook', 'application/json'], ['/logout', 'application/x-www-form-urlencoded']] as const) {
      const handler = path === '/hook' ? 'logto-webhook' : 'backchannel-logout';
      test(`${path}: an aborted upload ends the request, the process lives and answers the next request`, async () => {
        const before = events.length;
        await abortedUpload(server.url, path, contentType);
        await until(() => events.length > before, 'the handler to settle the aborted request');
        assert.deepEqual(events.slice(before).map((event) => event.type === 'handler-error' && `${event.handler} ${event.status}`), [`${handler} 400`]);
        const next = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': contentType, 'logto-signature-sha-256': '0'.repeat(64) }, body: path === '/hook' ? '{}' : 'logout_token=x' });
        assert.equal(next.status, path === '/hook' ? 401 : 400);
        assert.deepEqual(failures, []);
      });
    }

    test('/hook: a revocation that throws is a 500 with Cache-Control: no-store and an event, and the process lives', async () => {
      const body = JSON.stringify({ event: 'User.Deleted', createdAt: new Date().toISOString(), params: { userId: 'u1' }, data: null });
      const before = events.length;
      const response = await fetch(`${server.url}/hook`, { method: 'POST', headers: { 'content-type': 'application/json', 'logto-signature-sha-256': createHmac('sha256', SIGNING_KEY).update(body).digest('hex') }, body });
      assert.equal(response.status, 500);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await response.json(), { error: 'internal_error' });
      assert.deepEqual(events.slice(before), [{ type: 'handler-error', handler: 'logto-webhook', status: 500, error: 'the store is down' }]);
      assert.deepEqual(failures, []);
    });
  });
}
