// Logto's "whoami" MCP tutorial, protected by logto-authkit alone: the MCP SDK's
// own Express middleware with our verifier, RFC 9728 metadata, and a tool that
// needs one more scope (the client steps up to it). Run by spec/e2e/mcp-*.
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import * as errors from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { createMcpTokenVerifier, requireToolScopes, resourceMetadataHandler, type McpAuthInfo } from 'logto-authkit/mcp';

export function whoamiApp(logtoUrl: string, mcpUrl: string) {
  const auth = { logtoUrl, audience: mcpUrl, requiredScope: 'read:profile', resourceMetadata: { scopesSupported: ['read:profile', 'write:profile'] } };
  const app = express();
  app.use(express.json());
  app.use(resourceMetadataHandler(auth)); // /.well-known/oauth-protected-resource[/mcp]
  const bearer = requireBearerAuth({ verifier: createMcpTokenVerifier(auth, errors), requiredScopes: ['read:profile'], resourceMetadataUrl: `${new URL(mcpUrl).origin}/.well-known/oauth-protected-resource${new URL(mcpUrl).pathname}` });
  app.post(new URL(mcpUrl).pathname, bearer, requireToolScopes({ forget_me: ['write:profile'] }, auth), async (req, res) => {
    const server = new McpServer({ name: 'whoami', version: '1.0.0' });
    server.registerTool('whoami', { description: 'Who is calling' }, async ({ authInfo }) => {
      const { userId, organizationId } = (authInfo as McpAuthInfo).extra.auth;
      return { content: [{ type: 'text', text: JSON.stringify({ userId, organizationId, clientId: authInfo?.clientId, scopes: authInfo?.scopes }) }] };
    });
    server.registerTool('forget_me', { description: 'Needs write:profile' }, async () => ({ content: [{ type: 'text', text: 'forgotten' }] }));
    server.registerTool('test_simple_text', { description: 'The conformance suite calls it' }, async () => ({ content: [{ type: 'text', text: 'This is a simple text response for testing.' }] }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void server.close());
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  return app;
}
