// The same whoami MCP server on Hono (Workers, Bun, Deno, Node): this library's
// Hono middleware authenticates, the MCP SDK's Web-standard transport serves,
// and a tool that needs one more scope answers the step-up challenge.
import { Hono } from 'hono';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { createHonoAuthMiddleware, type AuthEnv } from 'logto-authkit/hono';
import { authInfoFor, resourceMetadataHandler, toolScopeResponse } from 'logto-authkit/mcp';

export function whoamiHonoApp(logtoUrl: string, mcpUrl: string) {
  const auth = { logtoUrl, audience: mcpUrl, requiredScope: 'read:profile', resourceMetadata: { scopesSupported: ['read:profile', 'write:profile'] } };
  const app = new Hono<AuthEnv>();
  app.use(resourceMetadataHandler(auth)); // /.well-known/oauth-protected-resource[/mcp]
  app.post(new URL(mcpUrl).pathname, createHonoAuthMiddleware(auth), async (c) => {
    const body = await c.req.json();
    const stepUp = toolScopeResponse(body, c.var.auth, { forget_me: ['write:profile'] }, auth);
    if (stepUp) return stepUp;
    const server = new McpServer({ name: 'whoami', version: '1.0.0' });
    server.registerTool('whoami', { description: 'Who is calling' }, async ({ authInfo }) => ({
      content: [{ type: 'text', text: JSON.stringify({ userId: c.var.auth.userId, clientId: authInfo?.clientId, scopes: authInfo?.scopes }) }],
    }));
    server.registerTool('forget_me', { description: 'Needs write:profile' }, async () => ({ content: [{ type: 'text', text: 'forgotten' }] }));
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    return transport.handleRequest(c.req.raw, { parsedBody: body, authInfo: authInfoFor(c.var.auth, c.req.header('authorization')?.slice(7) ?? '', auth) });
  });
  return app;
}
