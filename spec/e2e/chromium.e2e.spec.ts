// Cross-origin protection against a real browser: Debian's headless Chromium
// (driven by playwright-core, nothing downloaded) loads pages from the API's own
// origin and from other origins, and posts forms and fetches to a real Express
// app behind our middleware. The API records what it received (cookie, Origin,
// Sec-Fetch-Site) and what it answered, and the tests assert on both.
//
// Origins (the API listens on 127.0.0.1 only):
// - http://localhost:API: the API and its own pages. localhost is a secure
//   context, so Chromium sends Fetch Metadata (Sec-Fetch-Site).
// - http://localhost:APP: same site as the API (ports do not make a site),
//   another origin: Lax cookies ride along, Sec-Fetch-Site is same-site.
// - http://127.0.0.1:APP: another site: Chromium sends a cookie there only on a
//   top-level navigation, and only SameSite=None; Secure (or Lax on a GET).
// - http://app.example.test:APP → http://api.example.test:API (mapped to
//   127.0.0.1 by --host-resolver-rules): plain http, not a secure context, so no
//   Fetch Metadata: only Origin decides. Same site, so the sibling case.
// spec/run.mjs installs chromium when it is missing (or says how): never skipped.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createExpressAuthMiddleware } from '../../lib/adapters/express.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint } from '../helpers/keys.ts';

const CHROMIUM = '/usr/bin/chromium';
const AUDIENCE = 'https://api.example.test';
const STEP_TIMEOUT_MS = 30_000;

/** What the API saw of one request, and what it answered. */
interface Seen {
  method: string;
  path: string;
  hadCookie: boolean;
  origin: string | undefined;
  secFetchSite: string | undefined;
  status?: number;
  body?: string;
  challenge?: string;
}

let jwks: JwksServer;
let api: Listening;
let app: Listening;
let browser: Browser;
let token: string;
const seen: Seen[] = [];

interface Listening {
  port: number;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Listening> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// pages that post or fetch to `target` as soon as they load
function page(script: string): string {
  return `<!doctype html><meta charset="utf-8"><title>page</title><body><script>${script}</script></body>`;
}
const formPost = (action: string) => page(`const f = document.createElement('form'); f.method = 'POST'; f.action = ${JSON.stringify(action)}; const i = document.createElement('input'); i.name = 'a'; i.value = '1'; f.append(i); document.body.append(f); f.submit();`);
const pageServer = (req: IncomingMessage, res: ServerResponse) => {
  const url = new URL(req.url ?? '/', 'http://x');
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(url.pathname === '/form' ? formPost(url.searchParams.get('action')!) : page(''));
};

before(async () => {
  // a clear failure rather than a skip: spec/run.mjs installs it, or prints the command
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run apt-get update && apt-get install -y chromium`);
  const key = await makeKey('ES384');
  jwks = await startJwksServer([key.publicJwk]);
  token = await mint(key, { iss: jwks.issuer, aud: AUDIENCE, claims: { sub: 'browser_user' } });
  app = await listen(pageServer);

  const options = { logtoUrl: jwks.logtoUrl, audience: AUDIENCE };
  const server = express();
  server.use((req, res, next) => {
    const entry: Seen = { method: req.method, path: req.path, hadCookie: (req.headers.cookie ?? '').includes('logto_authtoken='), origin: req.headers.origin, secFetchSite: req.headers['sec-fetch-site'] as string | undefined };
    if ((req.path.startsWith('/strict/') || req.path.startsWith('/trusting/')) && req.method !== 'OPTIONS') seen.push(entry);
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    (res as unknown as { end: (...args: unknown[]) => ServerResponse }).end = (...args: unknown[]) => {
      entry.status = res.statusCode;
      entry.challenge = res.getHeader('www-authenticate') as string | undefined;
      if (typeof args[0] === 'string' || Buffer.isBuffer(args[0])) entry.body = String(args[0]);
      return end(...args);
    };
    next();
  });
  // SameSite=None; Secure: Chromium accepts Secure over http on localhost, and sends
  // such a cookie on a cross-site top-level POST (a Lax one it would keep home)
  server.get('/login', (req, res) => {
    const attributes = req.hostname === 'localhost' ? 'SameSite=None; Secure' : 'SameSite=Lax';
    res.setHeader('set-cookie', `logto_authtoken=${token}; Path=/; HttpOnly; ${attributes}`);
    res.type('html').send(page(''));
  });
  server.get('/page', (_req, res) => {
    res.type('html').send(page(''));
  });
  server.get('/form', (req, res) => {
    res.type('html').send(formPost(String(req.query.action)));
  });
  // CORS for the cross-site app page alone, so it may send an Authorization header and read the answer
  server.use('/strict', (req, res, next) => {
    if (req.headers.origin !== `http://127.0.0.1:${app.port}`) return next();
    res.setHeader('access-control-allow-origin', req.headers.origin);
    res.setHeader('access-control-allow-credentials', 'true');
    if (req.method !== 'OPTIONS') return next();
    res.setHeader('access-control-allow-headers', 'authorization');
    res.setHeader('access-control-allow-methods', 'POST, PUT, DELETE');
    res.status(204).end();
  });
  const echo = (req: express.Request, res: express.Response) => res.json({ userId: (req as unknown as { auth: { userId: string } }).auth.userId });
  server.use('/strict', createExpressAuthMiddleware(options));
  server.use('/trusting', createExpressAuthMiddleware({ ...options, trustedOrigins: [`http://app.example.test:${app.port}`] }));
  server.all('/strict/items', echo);
  server.all('/trusting/items', echo);
  api = await listen(server);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP *.example.test 127.0.0.1'],
  });
});

after(async () => {
  await browser?.close();
  await api?.close();
  await app?.close();
  await jwks?.close();
});

/** A fresh browser profile, logged in: the API's /login set the token cookie for `apiHost`. */
async function loggedIn(apiHost: string): Promise<{ context: BrowserContext; tab: Page }> {
  const context = await browser.newContext();
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const tab = await context.newPage();
  await tab.goto(`http://${apiHost}:${api.port}/login`);
  const cookies = await context.cookies(`http://${apiHost}:${api.port}/`);
  assert.ok(cookies.some((cookie) => cookie.name === 'logto_authtoken'), 'the login cookie was stored');
  return { context, tab };
}

/** Runs `act` and returns what the API saw for the one request to `path` it caused. */
async function apiSaw(path: string, act: () => Promise<unknown>): Promise<Seen> {
  const before = seen.length;
  await act();
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const entries = seen.slice(before).filter((entry) => entry.path === path && entry.status !== undefined);
    if (entries.length > 0) {
      assert.equal(entries.length, 1, `one request to ${path}`);
      return entries[0]!;
    }
    assert.ok(Date.now() < deadline, `the API received no request to ${path}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// a credentialed fetch from the page; its answer may be hidden by CORS, so the API's record decides
function credentialedFetch(tab: Page, url: string, method: string): Promise<unknown> {
  return tab.evaluate(({ url, method }) => fetch(url, { method, credentials: 'include', body: method === 'GET' ? undefined : 'x' }).then((r) => r.status, () => 'opaque'), { url, method });
}

const codeOf = (entry: Seen) => (entry.body ? (JSON.parse(entry.body) as { error?: string; userId?: string }) : {});

describe('cross-origin protection in Chromium', () => {
  test("allows a fetch POST and a form POST with the cookie from the API's own origin", async () => {
    const { context, tab } = await loggedIn('localhost');
    try {
      const base = `http://localhost:${api.port}`;
      await tab.goto(`${base}/page`);
      const fetched = await apiSaw('/strict/items', () => credentialedFetch(tab, `${base}/strict/items`, 'POST'));
      assert.deepEqual([fetched.hadCookie, fetched.secFetchSite, fetched.origin, fetched.status], [true, 'same-origin', base, 200]);
      assert.equal(codeOf(fetched).userId, 'browser_user');

      const posted = await apiSaw('/strict/items', () => tab.goto(`${base}/form?action=${encodeURIComponent(`${base}/strict/items`)}`));
      assert.deepEqual([posted.method, posted.hadCookie, posted.secFetchSite, posted.status], ['POST', true, 'same-origin', 200]);
      assert.equal(codeOf(posted).userId, 'browser_user');
      assert.match(await tab.content(), /browser_user/);
    } finally {
      await context.close();
    }
  });

  test('rejects a cross-site form POST that carries the cookie with CSRF_REJECTED', async () => {
    const { context, tab } = await loggedIn('localhost');
    try {
      const target = `http://localhost:${api.port}/strict/items`;
      const posted = await apiSaw('/strict/items', () => tab.goto(`http://127.0.0.1:${app.port}/form?action=${encodeURIComponent(target)}`));
      assert.deepEqual([posted.method, posted.hadCookie, posted.secFetchSite, posted.origin], ['POST', true, 'cross-site', `http://127.0.0.1:${app.port}`]);
      assert.equal(posted.status, 403);
      assert.equal(codeOf(posted).error, 'CSRF_REJECTED');
      assert.match(posted.challenge ?? '', /^Bearer error="insufficient_scope", error_description="[^"]*Sec-Fetch-Site/);
      assert.match(await tab.content(), /CSRF_REJECTED/);
    } finally {
      await context.close();
    }
  });

  test('rejects a credentialed fetch POST from another origin of the same site with CSRF_REJECTED', async () => {
    const { context, tab } = await loggedIn('localhost');
    try {
      await tab.goto(`http://localhost:${app.port}/`);
      const fetched = await apiSaw('/strict/items', () => credentialedFetch(tab, `http://localhost:${api.port}/strict/items`, 'POST'));
      assert.deepEqual([fetched.hadCookie, fetched.secFetchSite, fetched.origin], [true, 'same-site', `http://localhost:${app.port}`]);
      assert.equal(fetched.status, 403);
      assert.equal(codeOf(fetched).error, 'CSRF_REJECTED');
    } finally {
      await context.close();
    }
  });

  test('gets no cookie from a credentialed cross-site fetch POST, so nothing rides on it', async () => {
    const { context, tab } = await loggedIn('localhost');
    try {
      await tab.goto(`http://127.0.0.1:${app.port}/`);
      const fetched = await apiSaw('/strict/items', () => credentialedFetch(tab, `http://localhost:${api.port}/strict/items`, 'POST'));
      // Chromium keeps the cookie home (third-party cookies blocked); were it sent, the check would refuse it
      assert.deepEqual([fetched.hadCookie, fetched.secFetchSite, fetched.status], [false, 'cross-site', 401]);
      assert.equal(codeOf(fetched).error, 'TOKEN_MISSING');
    } finally {
      await context.close();
    }
  });

  test('allows a GET from the other origins: a same-site credentialed fetch and a cross-site navigation', async () => {
    const { context, tab } = await loggedIn('localhost');
    try {
      await tab.goto(`http://localhost:${app.port}/`);
      const fetched = await apiSaw('/strict/items', () => credentialedFetch(tab, `http://localhost:${api.port}/strict/items`, 'GET'));
      assert.deepEqual([fetched.method, fetched.hadCookie, fetched.secFetchSite, fetched.status], ['GET', true, 'same-site', 200]);

      await tab.goto(`http://127.0.0.1:${app.port}/`);
      const navigated = await apiSaw('/strict/items', () => tab.evaluate((url) => void (location.href = url), `http://localhost:${api.port}/strict/items`));
      assert.deepEqual([navigated.method, navigated.hadCookie, navigated.secFetchSite, navigated.status], ['GET', true, 'cross-site', 200]);
      assert.equal(codeOf(navigated).userId, 'browser_user');
    } finally {
      await context.close();
    }
  });

  test('decides by Origin alone on plain http, and allows the sibling app.example.test only through trustedOrigins', async () => {
    const { context, tab } = await loggedIn('api.example.test');
    try {
      const appForm = (path: string) => `http://app.example.test:${app.port}/form?action=${encodeURIComponent(`http://api.example.test:${api.port}${path}`)}`;
      const strict = await apiSaw('/strict/items', () => tab.goto(appForm('/strict/items')));
      assert.deepEqual([strict.hadCookie, strict.secFetchSite, strict.origin], [true, undefined, `http://app.example.test:${app.port}`]);
      assert.equal(strict.status, 403);
      assert.equal(codeOf(strict).error, 'CSRF_REJECTED');

      const trusting = await apiSaw('/trusting/items', () => tab.goto(appForm('/trusting/items')));
      assert.deepEqual([trusting.hadCookie, trusting.secFetchSite, trusting.status], [true, undefined, 200]);
      assert.equal(codeOf(trusting).userId, 'browser_user');

      await tab.goto(`http://app.example.test:${app.port}/`);
      const fetched = await apiSaw('/strict/items', () => credentialedFetch(tab, `http://api.example.test:${api.port}/strict/items`, 'POST'));
      assert.deepEqual([fetched.hadCookie, fetched.secFetchSite, fetched.status], [true, undefined, 403]);

      // the API's own page on plain http: Origin equals Host
      await tab.goto(`http://api.example.test:${api.port}/page`);
      const own = await apiSaw('/strict/items', () => credentialedFetch(tab, `http://api.example.test:${api.port}/strict/items`, 'POST'));
      assert.deepEqual([own.hadCookie, own.secFetchSite, own.origin, own.status], [true, undefined, `http://api.example.test:${api.port}`, 200]);
    } finally {
      await context.close();
    }
  });

  test('lets a Bearer token through from another site: it is never subject to the check', async () => {
    const { context, tab } = await loggedIn('localhost');
    try {
      await tab.goto(`http://127.0.0.1:${app.port}/`);
      const url = `http://localhost:${api.port}/strict/items`;
      let answered: unknown;
      const fetched = await apiSaw('/strict/items', async () => {
        answered = await tab.evaluate(({ url, token }) => fetch(url, { method: 'DELETE', credentials: 'include', headers: { authorization: `Bearer ${token}` } }).then((r) => r.json()), { url, token });
      });
      assert.deepEqual([fetched.method, fetched.secFetchSite, fetched.origin, fetched.status], ['DELETE', 'cross-site', `http://127.0.0.1:${app.port}`, 200]);
      assert.deepEqual(answered, { userId: 'browser_user' });
    } finally {
      await context.close();
    }
  });
});
