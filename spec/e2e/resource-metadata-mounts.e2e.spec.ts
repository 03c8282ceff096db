// RFC 9728 metadata answers alike however it is mounted: Express 5 and 4
// (app.use, app.all, and app.get for what a GET route can carry), Hono
// (app.use), Fastify (a route for every method) and a Next route file (the
// handler exported as every method), each over real HTTP on 127.0.0.1 (Next's
// handlers called with Fetch Requests, as Next calls them), for both locations
// MCP clients try: the path-aware one and the root.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import express4 from 'express4';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import Fastify from 'fastify';
import { resourceMetadataHandler } from '../../dist/index.js';

const RESOURCE = 'https://mcp.example.test/mcp';
const options = { logtoUrl: 'https://tenant.logto.test', audience: RESOURCE, resourceMetadata: { scopesSupported: ['read:profile'] } };
const PATHS = ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource'];
const PREFLIGHT = { origin: 'http://localhost:6274', 'access-control-request-method': 'GET', 'access-control-request-headers': 'mcp-protocol-version' };
const REQUESTS: { name: string; method: string; headers?: Record<string, string> }[] = [
  { name: 'GET', method: 'GET', headers: { 'mcp-protocol-version': '2025-11-25' } },
  { name: 'HEAD', method: 'HEAD' },
  { name: 'preflight', method: 'OPTIONS', headers: PREFLIGHT },
  { name: 'POST', method: 'POST' },
  { name: 'DELETE', method: 'DELETE' },
];
const COMPARED = ['content-type', 'cache-control', 'access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers', 'allow'];

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  body: string;
}

async function ask(base: string, path: string, request: (typeof REQUESTS)[number]): Promise<Answer> {
  const response = await fetch(`${base}${path}`, { method: request.method, headers: request.headers });
  return { status: response.status, headers: Object.fromEntries(COMPARED.map((name) => [name, response.headers.get(name)])), body: await response.text() };
}

async function askNext(path: string, request: (typeof REQUESTS)[number]): Promise<Answer> {
  // app/.well-known/oauth-protected-resource/[[...path]]/route.ts: export { handler as GET, handler as HEAD, ... }
  const handler = resourceMetadataHandler(options);
  const route: Record<string, (request: Request, context: unknown) => Response> = Object.fromEntries(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'].map((method) => [method, handler]));
  const response = route[request.method]!(new Request(`http://127.0.0.1${path}`, { method: request.method, headers: request.headers }), { params: Promise.resolve({}) });
  return { status: response.status, headers: Object.fromEntries(COMPARED.map((name) => [name, response.headers.get(name)])), body: request.method === 'HEAD' ? '' : await response.text() };
}

const closers: (() => Promise<void>)[] = [];
const bases: Record<string, string> = {};

function listen(name: string, server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      bases[name] = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      closers.push(() => new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }));
      resolve();
    });
  });
}

before(async () => {
  const use5 = express();
  use5.use(resourceMetadataHandler(options));
  use5.use((_req, res) => void res.status(404).send('not here'));
  await listen('express5 app.use', createServer(use5));
  const all5 = express();
  for (const path of PATHS) all5.all(path, resourceMetadataHandler(options));
  await listen('express5 app.all', createServer(all5));
  const get5 = express();
  for (const path of PATHS) get5.get(path, resourceMetadataHandler(options));
  await listen('express5 app.get', createServer(get5));
  const use4 = express4();
  use4.use(resourceMetadataHandler(options));
  await listen('express4 app.use', createServer(use4));

  const hono = new Hono();
  hono.use(resourceMetadataHandler(options));
  hono.all('*', (c) => c.text('not here', 404));
  await new Promise<void>((resolve) => {
    const server = serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      bases['hono app.use'] = `http://127.0.0.1:${info.port}`;
      resolve();
    }) as unknown as Server;
    closers.push(() => new Promise((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }));
  });

  const fastify = Fastify();
  for (const url of PATHS) fastify.route({ method: ['GET', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'], url, handler: resourceMetadataHandler(options) });
  bases['fastify route'] = await fastify.listen({ port: 0, host: '127.0.0.1' });
  closers.push(() => fastify.close());
});

after(async () => {
  for (const close of closers) await close();
});

describe('the metadata answers alike in every mount', () => {
  for (const path of PATHS) {
    test(`${path}: every method, every framework, the same status, headers and body`, async () => {
      const reference: Record<string, Answer> = {};
      for (const request of REQUESTS) reference[request.name] = await ask(bases['express5 app.use']!, path, request);
      assert.equal(reference.GET!.status, 200);
      assert.deepEqual(JSON.parse(reference.GET!.body), { resource: RESOURCE, authorization_servers: ['https://tenant.logto.test/oidc'], bearer_methods_supported: ['header'], scopes_supported: ['read:profile'] });
      assert.equal(reference.GET!.headers['access-control-allow-origin'], '*');
      assert.equal(reference.HEAD!.status, 200);
      assert.equal(reference.HEAD!.body, '');
      assert.equal(reference.preflight!.status, 204);
      assert.equal(reference.preflight!.headers['access-control-allow-headers'], 'Authorization, Content-Type, MCP-Protocol-Version');
      assert.equal(reference.POST!.status, 405);
      assert.equal(reference.POST!.headers.allow, 'GET, HEAD, OPTIONS');
      for (const mount of ['express5 app.all', 'express4 app.use', 'hono app.use', 'fastify route', 'next route']) {
        for (const request of REQUESTS) {
          const answer = mount === 'next route' ? await askNext(path, request) : await ask(bases[mount]!, path, request);
          assert.deepEqual(answer, reference[request.name], `${mount}, ${request.name} ${path}`);
        }
      }
      // a route for GET alone carries GET and HEAD; the framework answers the other methods itself
      for (const request of REQUESTS.filter((r) => r.method === 'GET' || r.method === 'HEAD')) {
        assert.deepEqual(await ask(bases['express5 app.get']!, path, request), reference[request.name], `app.get, ${request.name}`);
      }
    });
  }

  test('mounted with app.use, other paths go on to the app', async () => {
    for (const mount of ['express5 app.use', 'hono app.use']) {
      const response = await fetch(`${bases[mount]}/mcp`);
      assert.equal(response.status, 404, mount);
      assert.equal(await response.text(), 'not here');
    }
  });
});
