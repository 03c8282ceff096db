import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { protectedResourceMetadata, resourceMetadataHandler, resourceMetadataPath, type ReplyLike } from '../../lib/authorize/resource-metadata.ts';
import { resolveOptions, type VerifyAuthOptions } from '../../lib/options.ts';

const base: VerifyAuthOptions = { logtoUrl: 'https://tenant.logto.app', audience: 'https://api.example.com' };

describe('protectedResourceMetadata', () => {
  test('is the RFC 9728 §2 document: resource, the issuer as authorization server, header bearer method', () => {
    assert.deepEqual(protectedResourceMetadata({ ...base, resourceMetadata: true }), {
      resource: 'https://api.example.com',
      authorization_servers: ['https://tenant.logto.app/oidc'],
      bearer_methods_supported: ['header'],
    });
  });

  test('carries the configured resource, scopes, name and documentation, and an overridden issuer', () => {
    const options = { ...base, audience: ['https://api.example.com', 'https://api.example.com/v1'], issuer: 'https://auth.example.com/oidc', resourceMetadata: { resource: 'https://api.example.com/v1', scopesSupported: ['read:data', 'write:data'], resourceName: 'Example API', resourceDocumentation: 'https://docs.example.com' } };
    assert.deepEqual(protectedResourceMetadata(options), {
      resource: 'https://api.example.com/v1',
      authorization_servers: ['https://auth.example.com/oidc'],
      bearer_methods_supported: ['header'],
      scopes_supported: ['read:data', 'write:data'],
      resource_name: 'Example API',
      resource_documentation: 'https://docs.example.com',
    });
  });

  test('throws TypeError when resourceMetadata is not set', () => {
    assert.throws(() => protectedResourceMetadata(base), /set the resourceMetadata option/);
  });
});

describe('resourceMetadataPath and the resolved URL (RFC 9728 §3.1)', () => {
  const CASES: [string, string, string][] = [
    ['https://api.example.com', '/.well-known/oauth-protected-resource', 'https://api.example.com/.well-known/oauth-protected-resource'],
    ['https://api.example.com/', '/.well-known/oauth-protected-resource', 'https://api.example.com/.well-known/oauth-protected-resource'],
    ['https://api.example.com/v1', '/.well-known/oauth-protected-resource/v1', 'https://api.example.com/.well-known/oauth-protected-resource/v1'],
    ['http://127.0.0.1:8080/mcp', '/.well-known/oauth-protected-resource/mcp', 'http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp'],
  ];
  for (const [resource, path, url] of CASES) {
    test(`inserts the well-known path between host and path for ${resource}`, () => {
      const options = { ...base, audience: resource, resourceMetadata: { resource } };
      assert.equal(resourceMetadataPath(options), path);
      assert.equal(resolveOptions(options).resourceMetadata?.url, url);
    });
  }
});

describe('the resourceMetadata option', () => {
  const BAD: [string, unknown, unknown][] = [
    ['a resource with a fragment', 'https://api.example.com', { resource: 'https://api.example.com#x' }],
    ['a resource that is not a URL', 'https://api.example.com', { resource: 'my-api' }],
    ['a default audience that is not a URL', 'my-api', true],
    ['an empty scopes list', 'https://api.example.com', { scopesSupported: [] }],
    ['a resourceName that is not a string', 'https://api.example.com', { resourceName: 7 }],
    ['a string', 'https://api.example.com', 'https://api.example.com'],
  ];
  for (const [name, audience, resourceMetadata] of BAD) {
    test(`throws TypeError for ${name}`, () => {
      assert.throws(() => resolveOptions({ logtoUrl: base.logtoUrl, audience: audience as string, resourceMetadata: resourceMetadata as never }), TypeError);
    });
  }

  test('is absent by default', () => {
    assert.equal(resolveOptions(base).resourceMetadata, undefined);
  });
});

describe('resourceMetadataHandler', () => {
  const handler = resourceMetadataHandler({ ...base, resourceMetadata: { scopesSupported: ['read:data'] } });
  const DOCUMENT = { resource: 'https://api.example.com', authorization_servers: ['https://tenant.logto.app/oidc'], bearer_methods_supported: ['header'], scopes_supported: ['read:data'] };

  test('answers a Fetch GET with the JSON document, cacheable and readable cross-origin', async () => {
    const response = handler(new Request('https://api.example.com/.well-known/oauth-protected-resource'));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'public, max-age=3600');
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(await response.json(), DOCUMENT);
  });

  test('answers HEAD without a body, a preflight with 204, and POST with 405 and Allow', async () => {
    const head = handler(new Request('https://api.example.com/x', { method: 'HEAD' }));
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal(handler(new Request('https://api.example.com/x', { method: 'OPTIONS' })).status, 204);
    const post = handler(new Request('https://api.example.com/x', { method: 'POST' }));
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD, OPTIONS');
  });

  test('reads the method of a Hono context from c.req', () => {
    assert.equal(handler({ req: { method: 'DELETE' } }).status, 405);
  });

  test('writes a Node response when given (req, res)', () => {
    const written: { status?: number; headers: Record<string, string>; body?: string } = { headers: {} };
    const res = {
      set statusCode(status: number) { written.status = status; },
      get statusCode() { return written.status ?? 200; },
      setHeader: (name: string, value: string) => { written.headers[name] = value; },
      end: (body?: string) => { written.body = body; },
    };
    assert.equal(handler({ method: 'GET' }, res, () => {}), undefined);
    assert.equal(written.status, 200);
    assert.equal(written.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(written.body!), DOCUMENT);
  });

  test('sends through a Fastify reply when given (request, reply)', () => {
    const sent: { status?: number; headers?: Record<string, string>; body?: string } = {};
    const reply: ReplyLike = {
      code: (status) => { sent.status = status; return reply; },
      headers: (headers) => { sent.headers = headers; return reply; },
      send: (body) => { sent.body = body; return reply; },
    };
    handler({ method: 'GET' }, reply);
    assert.equal(sent.status, 200);
    assert.deepEqual(JSON.parse(sent.body!), DOCUMENT);
  });

  test('reads the options once: a later change does not reach it', async () => {
    const options: VerifyAuthOptions = { ...base, resourceMetadata: { resourceName: 'before' } };
    const made = resourceMetadataHandler(options);
    options.resourceMetadata = { resourceName: 'after' };
    assert.equal((await made(new Request('https://api.example.com/x')).json()).resource_name, 'before');
  });

  test('throws TypeError when made without resourceMetadata', () => {
    assert.throws(() => resourceMetadataHandler(base), TypeError);
  });
});
