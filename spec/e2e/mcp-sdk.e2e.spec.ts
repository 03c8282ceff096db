// An MCP server protected by this library, as the MCP TypeScript SDK's own
// users write it (Express, the SDK's requireBearerAuth and Streamable HTTP
// transport), driven by the SDK's own client over real HTTP on 127.0.0.1 with
// real tokens from the embedded node-oidc-provider issuer: discovery from the
// 401 (RFC 9728 metadata, then Logto's authorization-server metadata), a tool
// call with a token, and a step-up to the scope one tool needs.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import * as sdkErrors from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { createMcpTokenVerifier, requireToolScopes, resourceMetadataHandler, type McpAuthInfo } from '../../dist/adapters/mcp.js';
import { createExpressAuthMiddleware } from '../../dist/adapters/express.js';
import { startLogtoIssuer, type LogtoIssuer } from '../helpers/logto-issuer.ts';
import { freePort } from '../helpers/next-app.ts';
import { WORKERD_COMPATIBILITY_DATE } from '../helpers/hono.ts';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

let logto: LogtoIssuer;
let server: Server;
let mcpUrl: string;
let metadataUrl: string;

before(async () => {
  const port = await freePort();
  mcpUrl = `http://127.0.0.1:${port}/mcp`;
  metadataUrl = `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`;
  // the API resource in Logto is the MCP server's URL: the SDK client asks for tokens for it (RFC 8707)
  logto = await startLogtoIssuer({ audience: mcpUrl, scopes: ['read:notes', 'write:notes'] });
  const options = { logtoUrl: logto.logtoUrl, audience: mcpUrl, requiredScope: 'read:notes', resourceMetadata: { scopesSupported: ['read:notes', 'write:notes'] } };

  const app = express();
  app.use(express.json());
  app.use(resourceMetadataHandler(options));
  // the same API's plain routes behind this library's own middleware
  app.get('/api/notes', createExpressAuthMiddleware(options), (_req, res) => {
    res.json([]);
  });
  const verifier = createMcpTokenVerifier(options, sdkErrors);
  app.post('/mcp', requireBearerAuth({ verifier, requiredScopes: ['read:notes'], resourceMetadataUrl: metadataUrl }), requireToolScopes({ delete_note: ['write:notes'] }, options), async (req, res) => {
    const mcp = new McpServer({ name: 'notes', version: '1.0.0' });
    mcp.registerTool('whoami', { description: 'Who is calling' }, async (extra) => {
      const info = extra.authInfo as McpAuthInfo;
      return { content: [{ type: 'text', text: JSON.stringify({ userId: info.extra.auth.userId, clientId: info.clientId, scopes: info.scopes, resource: info.resource?.href }) }] };
    });
    mcp.registerTool('delete_note', { description: 'Deletes a note' }, async () => ({ content: [{ type: 'text', text: 'deleted' }] }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(port, '127.0.0.1', () => resolve(listening));
  });
});

after(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await logto?.close();
});

/** An OAuth client provider as an MCP host keeps one: a pre-registered client, the tokens it holds, and the authorization URLs it was sent to (a test stands in for the user's consent). */
function provider(initial?: { scope: string }) {
  const state = { token: undefined as string | undefined, redirects: [] as URL[] };
  const tokenFor = async (scope: string) => {
    state.token = await logto.getToken({ scope });
  };
  const oauth: OAuthClientProvider = {
    redirectUrl: 'http://127.0.0.1/callback',
    clientMetadata: { redirect_uris: ['http://127.0.0.1/callback'], client_name: 'spec client' },
    clientInformation: () => ({ client_id: 'mcp-spec-client' }),
    tokens: () => (state.token === undefined ? undefined : { access_token: state.token, token_type: 'Bearer' }),
    saveTokens: () => undefined,
    redirectToAuthorization: (url) => {
      state.redirects.push(url);
    },
    saveCodeVerifier: () => undefined,
    codeVerifier: () => 'verifier',
  };
  return { oauth, state, tokenFor, ready: initial === undefined ? Promise.resolve() : tokenFor(initial.scope) };
}

async function connect(oauth: OAuthClientProvider): Promise<Client> {
  const client = new Client({ name: 'spec', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: oauth }));
  return client;
}

describe('MCP SDK client against a server protected by logto-authkit', () => {
  test('without a token: the 401 leads the client through our metadata to Logto, asking for the required scope and this resource', async () => {
    const { oauth, state } = provider();
    await assert.rejects(connect(oauth), UnauthorizedError);
    assert.equal(state.redirects.length, 1);
    const authorize = state.redirects[0]!;
    assert.equal(`${authorize.origin}${authorize.pathname}`, `${logto.issuer}/auth`, "Logto's authorization endpoint, found from the metadata's authorization_servers");
    assert.equal(authorize.searchParams.get('resource'), mcpUrl);
    assert.equal(authorize.searchParams.get('scope'), 'read:notes', 'the scope of our 401 challenge');
    assert.equal(authorize.searchParams.get('client_id'), 'mcp-spec-client');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  });

  test('with a token: the tool sees AuthInfo filled by our verification', async () => {
    const { oauth, ready } = provider({ scope: 'read:notes' });
    await ready;
    const client = await connect(oauth);
    try {
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      const text = (result.content as { type: string; text: string }[])[0]!.text;
      assert.deepEqual(JSON.parse(text), { userId: logto.clientId, clientId: logto.clientId, scopes: ['read:notes'], resource: mcpUrl });
    } finally {
      await client.close();
    }
  });

  test('a tool that needs more: 403 insufficient_scope names the scope, the client steps up, and the call passes with the new token', async () => {
    const { oauth, state, tokenFor, ready } = provider({ scope: 'read:notes' });
    await ready;
    const client = await connect(oauth);
    try {
      await assert.rejects(client.callTool({ name: 'delete_note', arguments: {} }), UnauthorizedError);
      assert.equal(state.redirects.length, 1);
      assert.equal(state.redirects[0]!.searchParams.get('scope'), 'write:notes', 'the scope of our 403 challenge');
      assert.equal(state.redirects[0]!.searchParams.get('resource'), mcpUrl);
      await tokenFor('read:notes write:notes'); // the user consents to the wider scope
      const result = await client.callTool({ name: 'delete_note', arguments: {} });
      assert.deepEqual(result.content, [{ type: 'text', text: 'deleted' }]);
    } finally {
      await client.close();
    }
  });
});

describe('the HTTP answers an MCP client reads', () => {
  test('401 without a token: the SDK middleware with our verifier names resource_metadata and the required scope', async () => {
    const response = await fetch(mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
    assert.equal(response.status, 401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /^Bearer error="invalid_token"/);
    assert.match(challenge, / scope="read:notes"/);
    assert.match(challenge, new RegExp(`resource_metadata="${metadataUrl}"`));
  });

  test('401 from our own middleware: resource_metadata and the required scope too (MCP 2025-11-25: servers SHOULD include scope)', async () => {
    const missing = await fetch(new URL('/api/notes', mcpUrl));
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), `Bearer resource_metadata="${metadataUrl}", scope="read:notes"`);
    const malformed = await fetch(new URL('/api/notes', mcpUrl), { headers: { authorization: 'Bearer not.a.jwt' } });
    assert.equal(malformed.status, 401);
    const challenge = malformed.headers.get('www-authenticate') ?? '';
    assert.ok(challenge.startsWith('Bearer error="invalid_token", error_description="'), challenge);
    assert.ok(challenge.endsWith(`", resource_metadata="${metadataUrl}", scope="read:notes"`), challenge);
  });

  test('401 for a token our verification refuses (a forged signature): InvalidTokenError with our message, never the token', async () => {
    const token = await logto.getToken({ scope: 'read:notes' });
    const forged = `${token.slice(0, token.lastIndexOf('.') + 1)}${'A'.repeat(token.length - token.lastIndexOf('.') - 1)}`;
    const response = await fetch(mcpUrl, { method: 'POST', headers: { authorization: `Bearer ${forged}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
    assert.equal(response.status, 401);
    const body = await response.json();
    assert.deepEqual(body, { error: 'invalid_token', error_description: 'the token signature does not verify' });
    assert.ok(!JSON.stringify(body).includes(forged.split('.')[2]!));
  });

  test('403 for a tool call without its scope: insufficient_scope with the scope and resource_metadata, before the transport runs', async () => {
    const token = await logto.getToken({ scope: 'read:notes' });
    const response = await fetch(mcpUrl, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"delete_note","arguments":{}}}' });
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('www-authenticate'), `Bearer error="insufficient_scope", error_description="the tool delete_note needs a scope the access token lacks", scope="write:notes", resource_metadata="${metadataUrl}"`);
    assert.deepEqual(await response.json(), { error: 'SCOPE_MISSING', message: 'the tool "delete_note" needs a scope the access token lacks' });
  });

  test('the metadata at the path-aware location and at the root, with CORS that allows MCP-Protocol-Version', async () => {
    for (const url of [metadataUrl, new URL('/.well-known/oauth-protected-resource', mcpUrl).href]) {
      const response = await fetch(url);
      assert.equal(response.status, 200, url);
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      assert.deepEqual(await response.json(), { resource: mcpUrl, authorization_servers: [logto.issuer], bearer_methods_supported: ['header'], scopes_supported: ['read:notes', 'write:notes'] });
    }
    const preflight = await fetch(metadataUrl, { method: 'OPTIONS', headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'GET', 'access-control-request-headers': 'mcp-protocol-version' } });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /MCP-Protocol-Version/);
    const post = await fetch(metadataUrl, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD, OPTIONS');
  });
});

/** The SDK client against the whoami example at `url`: discovery from the 401, whoami with a token, a step-up for forget_me. */
async function whoamiFlow(url: string, issuer: LogtoIssuer): Promise<void> {
  const state = { token: undefined as string | undefined, redirects: [] as URL[] };
  const oauth: OAuthClientProvider = {
    redirectUrl: 'http://127.0.0.1/callback',
    clientMetadata: { redirect_uris: ['http://127.0.0.1/callback'] },
    clientInformation: () => ({ client_id: 'mcp-spec-client' }),
    tokens: () => (state.token === undefined ? undefined : { access_token: state.token, token_type: 'Bearer' }),
    saveTokens: () => undefined,
    redirectToAuthorization: (authorize) => void state.redirects.push(authorize),
    saveCodeVerifier: () => undefined,
    codeVerifier: () => 'verifier',
  };
  const open = async () => {
    const client = new Client({ name: 'spec', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: oauth }));
    return client;
  };
  await assert.rejects(open(), UnauthorizedError);
  assert.equal(`${state.redirects[0]?.origin}${state.redirects[0]?.pathname}`, `${issuer.issuer}/auth`);
  assert.equal(state.redirects[0]?.searchParams.get('scope'), 'read:profile');
  assert.equal(state.redirects[0]?.searchParams.get('resource'), url);
  state.token = await issuer.getToken({ scope: 'read:profile' });
  const client = await open();
  try {
    const whoami = await client.callTool({ name: 'whoami', arguments: {} });
    assert.deepEqual(JSON.parse((whoami.content as { text: string }[])[0]!.text), { userId: issuer.clientId, clientId: issuer.clientId, scopes: ['read:profile'] });
    await assert.rejects(client.callTool({ name: 'forget_me', arguments: {} }), UnauthorizedError);
    assert.equal(state.redirects[1]?.searchParams.get('scope'), 'write:profile');
    state.token = await issuer.getToken({ scope: 'read:profile write:profile' });
    assert.deepEqual((await client.callTool({ name: 'forget_me', arguments: {} })).content, [{ type: 'text', text: 'forgotten' }]);
  } finally {
    await client.close();
  }
}

describe('the Hono example (examples/mcp/whoami-hono.ts) with the SDK client, on Node', () => {
  let hono: { close(callback: () => void): void; closeAllConnections?: () => void };
  let honoIssuer: LogtoIssuer;
  let honoUrl: string;

  before(async () => {
    const { serve } = await import('@hono/node-server');
    const { whoamiHonoApp } = await import('../../examples/mcp/whoami-hono.ts');
    const port = await freePort();
    honoUrl = `http://127.0.0.1:${port}/mcp`;
    honoIssuer = await startLogtoIssuer({ audience: honoUrl, scopes: ['read:profile', 'write:profile'] });
    hono = serve({ fetch: whoamiHonoApp(honoIssuer.logtoUrl, honoUrl).fetch, port, hostname: '127.0.0.1' }) as never;
  });

  after(async () => {
    hono?.closeAllConnections?.();
    await new Promise<void>((resolve) => hono?.close(() => resolve()));
    await honoIssuer?.close();
  });

  test('discovers from the 401, calls whoami with a token, steps up for forget_me', () => whoamiFlow(honoUrl, honoIssuer));
});

describe('the same Hono example as a Cloudflare Worker (workerd through Miniflare)', () => {
  let worker: Miniflare;
  let workerIssuer: LogtoIssuer;
  let workerUrl: string;

  before(async () => {
    const port = await freePort();
    workerUrl = `http://127.0.0.1:${port}/mcp`;
    workerIssuer = await startLogtoIssuer({ audience: workerUrl, scopes: ['read:profile', 'write:profile'] });
    // workerd cannot resolve node_modules: one ESM script with hono, the MCP SDK and dist/ in it
    const bundle = await build({ entryPoints: ['spec/e2e/fixtures/mcp-worker.mjs'], bundle: true, format: 'esm', platform: 'browser', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], target: 'es2022', write: false, logLevel: 'warning' });
    worker = new Miniflare({ modules: true, script: bundle.outputFiles[0]!.text, bindings: { LOGTO_URL: workerIssuer.logtoUrl, MCP_URL: workerUrl }, host: '127.0.0.1', port, compatibilityDate: WORKERD_COMPATIBILITY_DATE, compatibilityFlags: ['nodejs_compat'] });
    await worker.ready;
  });

  after(async () => {
    await worker?.dispose();
    await workerIssuer?.close();
  });

  test('discovers from the 401, calls whoami with a token, steps up for forget_me', () => whoamiFlow(workerUrl, workerIssuer));
});
