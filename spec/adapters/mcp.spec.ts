import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as sdkErrors from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { createMcpTokenVerifier, requireToolScopes, toolScopeError, toolScopeResponse } from '../../lib/adapters/mcp.ts';
import { resourceMetadataHandler } from '../../lib/authorize/resource-metadata.ts';
import { resolveOptions } from '../../lib/options.ts';
import { makeKey, mint } from '../helpers/keys.ts';

const LOGTO = 'https://mcp-tenant.logto.test';
const ISSUER = `${LOGTO}/oidc`;
const RESOURCE = 'https://mcp.example.test/mcp';

async function setup(jwksStatus = 200) {
  const key = await makeKey('ES384', 'mcp-key');
  const fetch = (async () => (jwksStatus === 200 ? Response.json({ keys: [key.publicJwk] }) : new Response('down', { status: jwksStatus }))) as typeof globalThis.fetch;
  const options = { logtoUrl: LOGTO, audience: RESOURCE, fetch, resourceMetadata: true as const };
  return { key, options };
}

describe('createMcpTokenVerifier', () => {
  test("fills the SDK's AuthInfo: token, client_id, scopes, exp, the accepted resource, and our context in extra", async () => {
    const { key, options } = await setup();
    const token = await mint(key, { iss: ISSUER, aud: [RESOURCE, 'https://other.example.test'], claims: { sub: 'user_1', client_id: 'https://client.example.test/metadata.json', scope: 'read:notes write:notes' } });
    const info = await createMcpTokenVerifier(options, sdkErrors).verifyAccessToken(token);
    assert.equal(info.token, token);
    assert.equal(info.clientId, 'https://client.example.test/metadata.json');
    assert.deepEqual(info.scopes, ['read:notes', 'write:notes']);
    assert.equal(typeof info.expiresAt, 'number');
    assert.equal(info.expiresAt, info.extra.auth.payload!.exp);
    assert.equal(info.resource?.href, RESOURCE);
    assert.equal(info.extra.auth.userId, 'user_1');
  });

  test('a token without a scope claim has no scopes', async () => {
    const { key, options } = await setup();
    const token = await mint(key, { iss: ISSUER, aud: RESOURCE, claims: { scope: undefined } });
    assert.deepEqual((await createMcpTokenVerifier(options, sdkErrors).verifyAccessToken(token)).scopes, []);
  });

  test("maps a 401 to the SDK's InvalidTokenError, a 403 to InsufficientScopeError, a 503 to ServerError, with our message and never the token", async () => {
    const { key, options } = await setup();
    const wrongAudience = await mint(key, { iss: ISSUER, aud: 'https://elsewhere.example.test' });
    await assert.rejects(createMcpTokenVerifier(options, sdkErrors).verifyAccessToken(wrongAudience), (error: unknown) => {
      assert.ok(error instanceof sdkErrors.InvalidTokenError);
      assert.equal((error as Error).message, 'the token "aud" (audience) does not contain an expected audience');
      return true;
    });
    const noScope = await mint(key, { iss: ISSUER, aud: RESOURCE, claims: { scope: 'read:notes' } });
    await assert.rejects(createMcpTokenVerifier({ ...options, requiredScope: 'admin' }, sdkErrors).verifyAccessToken(noScope), sdkErrors.InsufficientScopeError);
    const down = await setup(500);
    const token = await mint(down.key, { iss: ISSUER, aud: RESOURCE });
    await assert.rejects(createMcpTokenVerifier({ ...down.options, logtoUrl: 'https://down-tenant.logto.test' }, sdkErrors).verifyAccessToken(token), (error: unknown) => {
      assert.ok(error instanceof sdkErrors.ServerError);
      assert.ok(!(error as Error).message.includes(token));
      return true;
    });
  });

  test('guest mode does not make a caller out of a bad token', async () => {
    const { options } = await setup();
    await assert.rejects(createMcpTokenVerifier({ ...options, allowGuest: true }, sdkErrors).verifyAccessToken('garbage'), sdkErrors.InvalidTokenError);
  });

  test("needs the SDK's error classes and good options, at once", () => {
    assert.throws(() => createMcpTokenVerifier({ logtoUrl: LOGTO, audience: RESOURCE }, {} as never), /error classes/);
    assert.throws(() => createMcpTokenVerifier({ logtoUrl: 'not a url', audience: RESOURCE }, sdkErrors), TypeError);
  });
});

describe('per-tool scopes', () => {
  const TOOLS = { delete_note: ['write:notes'], admin: ['admin', 'write:notes'] };
  const call = (name: string, id = 1) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });

  test('a tools/call whose tool needs a scope the token lacks is SCOPE_MISSING naming every scope the tool needs', () => {
    const error = toolScopeError(call('admin'), { scopes: ['write:notes'] }, TOOLS);
    assert.equal(error?.code, 'SCOPE_MISSING');
    assert.equal(error?.status, 403);
    assert.deepEqual(error?.detail?.expected, ['admin', 'write:notes']);
  });

  test('other methods, other tools, and held scopes pass; batches are read whole; our context works as well as AuthInfo', () => {
    const context = { userId: 'u', isAuthenticated: true, payload: { sub: 'u', scope: 'write:notes', exp: 1 } };
    assert.equal(toolScopeError(call('delete_note'), context, TOOLS), undefined);
    assert.equal(toolScopeError({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, undefined, TOOLS), undefined);
    assert.equal(toolScopeError(call('whoami'), undefined, TOOLS), undefined);
    assert.equal(toolScopeError([call('whoami', 1), call('delete_note', 2)], undefined, TOOLS)?.code, 'SCOPE_MISSING');
    assert.equal(toolScopeError(call('toString'), undefined, TOOLS), undefined, 'no inherited name counts as a tool');
  });

  test('requireToolScopes answers 403 with the step-up challenge, reads its map once, and refuses a bad map', () => {
    const map: Record<string, string[]> = { delete_note: ['write:notes'] };
    const middleware = requireToolScopes(map, { logtoUrl: LOGTO, audience: RESOURCE, resourceMetadata: true });
    map.delete_note = []; // later changes are not read
    const written = { status: 0, headers: {} as Record<string, string>, body: '' };
    let nexted = false;
    middleware({ body: call('delete_note'), auth: { userId: 'u', isAuthenticated: true, payload: { sub: 'u', scope: 'read:notes', exp: 1 } } }, {
      set statusCode(status: number) { written.status = status; },
      get statusCode() { return written.status; },
      setHeader: (name, value) => { written.headers[name] = value; },
      end: (body) => { written.body = body ?? ''; },
    }, () => { nexted = true; });
    assert.equal(nexted, false);
    assert.equal(written.status, 403);
    assert.equal(written.headers['www-authenticate'], 'Bearer error="insufficient_scope", error_description="the tool delete_note needs a scope the access token lacks", scope="write:notes", resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource/mcp"');
    assert.equal(written.headers['cache-control'], 'no-store');
    assert.throws(() => requireToolScopes({ x: [] }), TypeError);
    assert.throws(() => requireToolScopes({ x: ['a b'] }), TypeError);
  });

  test('toolScopeResponse is the same answer as a Fetch Response', async () => {
    const response = toolScopeResponse(call('delete_note'), undefined, TOOLS, { logtoUrl: LOGTO, audience: RESOURCE });
    assert.equal(response?.status, 403);
    assert.deepEqual(await response?.json(), { error: 'SCOPE_MISSING', message: 'the tool "delete_note" needs a scope the access token lacks' });
    assert.equal(toolScopeResponse(call('whoami'), undefined, TOOLS), undefined);
  });
});

describe('MCP-grade metadata', () => {
  test("a resource that is not an audience is refused at start-up; a trailing-slash near miss is named (Logto's MCP guide uses one)", () => {
    assert.throws(() => resolveOptions({ logtoUrl: LOGTO, audience: 'https://mcp.example.test/mcp', resourceMetadata: { resource: 'https://mcp.example.test/mcp/' } }), /differs from the audience "https:\/\/mcp.example.test\/mcp" only by a trailing slash/);
    assert.throws(() => resolveOptions({ logtoUrl: LOGTO, audience: 'https://mcp.example.test/mcp/', resourceMetadata: { resource: 'https://mcp.example.test/mcp' } }), /only by a trailing slash/);
    assert.throws(() => resolveOptions({ logtoUrl: LOGTO, audience: 'https://a.example.test', resourceMetadata: { resource: 'https://b.example.test' } }), /is not one of the audiences/);
    assert.equal(resolveOptions({ logtoUrl: LOGTO, audience: ['https://a.example.test', 'https://b.example.test/mcp/'], resourceMetadata: { resource: 'https://b.example.test/mcp/' } }).resourceMetadata?.resource, 'https://b.example.test/mcp/');
  });

  test('mounted with app.use, the handler answers its two paths and hands every other path to next (Express and Hono alike)', () => {
    const handler = resourceMetadataHandler({ logtoUrl: LOGTO, audience: RESOURCE, resourceMetadata: true });
    const res = () => ({ statusCode: 0, headers: {} as Record<string, string>, setHeader(name: string, value: string) { this.headers[name] = value; }, end() {} });
    for (const [url, answered] of [['/.well-known/oauth-protected-resource/mcp', true], ['/.well-known/oauth-protected-resource?x=1', true], ['/mcp', false], ['/health', false]] as const) {
      let nexted = false;
      const written = res();
      handler({ method: 'GET', url } as never, written, () => { nexted = true; });
      assert.equal(nexted, !answered, url);
      assert.equal(written.statusCode, answered ? 200 : 0, url);
    }
  });

  test('as Hono middleware (app.use), it answers its paths and awaits next for the others', async () => {
    const handler = resourceMetadataHandler({ logtoUrl: LOGTO, audience: RESOURCE, resourceMetadata: true });
    let honoNext = false;
    await handler({ req: { method: 'GET', path: '/other' } }, async () => { honoNext = true; });
    assert.equal(honoNext, true);
    const answered = await handler({ req: { method: 'GET', path: '/.well-known/oauth-protected-resource/mcp' } }, async () => {});
    assert.ok(answered instanceof Response);
    assert.equal(answered.status, 200);
    assert.equal((await handler({ req: { method: 'DELETE', path: '/.well-known/oauth-protected-resource' } }, async () => {}))?.status, 405);
  });
});
