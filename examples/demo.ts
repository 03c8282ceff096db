// `npm run demo`: an Express API protected by logto-authkit, called with real
// access tokens. By default the tokens come from an embedded Logto-shaped
// issuer (node-oidc-provider, as Logto uses) on 127.0.0.1; with LOGTO_URL and
// LOGTO_AUDIENCE set, the API trusts your Logto tenant instead and the token
// comes from LOGTO_TOKEN. It prints what each call got, then stops.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createExpressAuthMiddleware, type WithAuth } from '../lib/adapters/express.ts';
import { startLogtoIssuer } from '../spec/helpers/logto-issuer.ts';

const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);

async function main(): Promise<void> {
  const tenant = process.env.LOGTO_URL && process.env.LOGTO_AUDIENCE ? { logtoUrl: process.env.LOGTO_URL, audience: process.env.LOGTO_AUDIENCE } : undefined;
  const issuer = tenant ? undefined : await startLogtoIssuer();
  const logtoUrl = tenant?.logtoUrl ?? issuer!.logtoUrl;
  const audience = tenant?.audience ?? issuer!.audience;
  console.log(tenant ? `Trusting the Logto tenant ${logtoUrl} for ${audience}` : `Embedded Logto-shaped issuer at ${issuer!.issuer} (ES384 keys, like Logto's default)`);

  const token = tenant ? process.env.LOGTO_TOKEN : await issuer!.getToken({ scope: 'read:data' });
  if (!token) {
    console.log('Set LOGTO_TOKEN to an access token for that API resource (e.g. from your app, or a machine-to-machine client_credentials request with `resource`).');
  }

  const app = express();
  const options = { logtoUrl, audience };
  const show = (req: express.Request & WithAuth, res: express.Response) => res.json({ route: req.path, auth: req.auth });
  app.get('/api/profile', createExpressAuthMiddleware({ ...options, requiredScope: 'read:data' }), show);
  app.get('/api/admin', createExpressAuthMiddleware({ ...options, requiredScope: 'admin:all' }), show);
  app.get('/api/feed', createExpressAuthMiddleware({ ...options, allowGuest: true }), show);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  console.log(`Express API at ${api}\n`);

  try {
    if (token) {
      await call('A real token with scope read:data on a route that requires it', api, '/api/profile', { authorization: `Bearer ${token}` });
      await call('The same token on a route that requires admin:all', api, '/api/admin', { authorization: `Bearer ${token}` });
      await call('The same token with its payload changed (sub = admin)', api, '/api/profile', { authorization: `Bearer ${tamper(token)}` });
    }
    await call('No token at all', api, '/api/profile', {});
    const guest = await call('No token on a route with guest mode', api, '/api/feed', {});
    const cookie = guest.headers.getSetCookie()[0]?.split(';')[0];
    if (cookie) await call('The guest comes back with its cookie', api, '/api/feed', { cookie });
  } finally {
    server.closeAllConnections();
    server.close();
    await issuer?.close();
  }
}

async function call(title: string, api: string, path: string, headers: Record<string, string>): Promise<Response> {
  const response = await fetch(api + path, { headers });
  const body = await response.clone().text();
  console.log(bold(`▸ ${title}`));
  console.log(`  GET ${path}${headers.authorization ? '  (Authorization: Bearer …)' : ''}${headers.cookie ? `  (Cookie: ${headers.cookie})` : ''}`);
  console.log(`  → ${response.status} ${response.statusText}`);
  for (const name of ['www-authenticate', 'set-cookie']) {
    const value = response.headers.get(name);
    if (value) console.log(`  ${name}: ${value}`);
  }
  console.log(`  ${summarize(body)}\n`);
  return response;
}

function summarize(body: string): string {
  try {
    const json = JSON.parse(body);
    if (json.auth) {
      const { userId, isAuthenticated, isGuest, guestId, payload } = json.auth;
      return isGuest ? `guest ${guestId}` : `user ${userId} (authenticated: ${isAuthenticated}, scope: "${payload?.scope ?? ''}", expires ${new Date(payload.exp * 1000).toISOString()})`;
    }
    return `${json.error}: ${json.message}`;
  } catch {
    return body;
  }
}

// flip the subject while keeping the signature: what a forger would try
function tamper(token: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  return `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url')}.${signature}`;
}

await main();
