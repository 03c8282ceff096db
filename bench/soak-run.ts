// A soak with chaos: an Express app and a Hono app (on @hono/node-server), both
// behind logto-authkit, take a fixed request rate of valid, expired, forged,
// missing-scope and guest requests over real HTTP, while the embedded issuer
// rotates its key and its JWKS goes down (HTTP 500, a hang, connection refused)
// and comes back. Every answer is checked against the status its request must
// get. Used by `npm run soak` (minutes) and by a short spec in `npm test`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express from 'express';
import { Hono } from 'hono';
import { getRequestListener } from '@hono/node-server';
import { createExpressAuthMiddleware, type WithAuth } from '../lib/adapters/express.ts';
import { createHonoAuthMiddleware, type AuthEnv } from '../lib/adapters/hono.ts';
import type { AuthEvent } from '../lib/events.ts';
import { clearJwksCache } from '../lib/keys/jwks-cache.ts';
import { startLogtoIssuer, type LogtoIssuer } from '../spec/helpers/logto-issuer.ts';
import { serveOnLoopback, type LoopbackServer } from '../spec/helpers/loopback.ts';

/** What the JWKS in front of the verifier does right now. */
export type JwksMode = 'ok' | 'error-500' | 'hang' | 'refused';

/** One phase of the chaos schedule, as a share of each cycle. */
interface Phase {
  mode: JwksMode;
  share: number;
  rotateAtStart?: boolean;
}

// one cycle: healthy, 500s, a hang, refused connections, healthy, a key rotation, healthy
const CYCLE: Phase[] = [
  { mode: 'ok', share: 0.2 },
  { mode: 'error-500', share: 0.15 },
  { mode: 'hang', share: 0.2 },
  { mode: 'refused', share: 0.15 },
  { mode: 'ok', share: 0.1 },
  { mode: 'ok', share: 0.2, rotateAtStart: true },
];

export interface SoakOptions {
  durationMs: number;
  /** Requests started per second, open loop (not waiting for answers). */
  rate: number;
  /** How long one chaos cycle lasts. */
  cycleMs: number;
  /** `jwksCacheTtl` of the verifier: short, so refreshes happen during every outage. */
  jwksCacheTtlMs: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  requests: number;
  wrongAnswers: number;
  /** Examples of wrong answers (kind, expected, got), at most 10. */
  wrongExamples: string[];
  /** 5xx answers once usable keys existed. */
  serverErrorsWithKeys: number;
  /** Share of requests that took over 100 ms while the JWKS hung. */
  slowShareDuringHang: number;
  requestsDuringHang: number;
  jwksRequests: number;
  rotations: number;
  latencyMs: { p50: number; p99: number; max: number };
  heapMb: { start: number; end: number };
  rssMb: { start: number; end: number };
  events: Record<string, number>;
}

type Kind = 'valid' | 'expired' | 'forged' | 'missing-scope' | 'guest';
const EXPECTED: Record<Kind, number> = { valid: 200, expired: 401, forged: 401, 'missing-scope': 403, guest: 200 };
const KINDS: Kind[] = ['valid', 'valid', 'valid', 'expired', 'forged', 'missing-scope', 'guest'];

/** A loopback server in front of the issuer's JWKS whose failure mode can be switched. */
async function startChaosJwks(logto: LogtoIssuer): Promise<{ url: string; hits(): number; setMode(mode: JwksMode): Promise<void>; close(): Promise<void> }> {
  let mode: JwksMode = 'ok';
  let hits = 0;
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    hits++;
    if (mode === 'error-500') {
      res.statusCode = 500;
      return res.end('upstream down');
    }
    if (mode === 'hang') {
      hanging.add(res); // accepted, never answered (until the mode changes)
      return;
    }
    const upstream = await fetch(logto.jwksUri);
    res.statusCode = upstream.status;
    res.setHeader('content-type', 'application/json');
    res.end(await upstream.text());
  };
  let server: Server = createServer(handler);
  server.on('connection', (socket) => (sockets.add(socket), socket.on('close', () => sockets.delete(socket))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const res of hanging) res.destroy();
      hanging.clear();
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${port}/oidc/jwks`,
    hits: () => hits,
    async setMode(next) {
      if (mode === 'hang' && next !== 'hang') {
        for (const res of hanging) res.destroy();
        hanging.clear();
      }
      // refused: nothing listens on the port any more
      if (next === 'refused' && mode !== 'refused') await stop();
      if (mode === 'refused' && next !== 'refused') {
        server = createServer(handler);
        server.on('connection', (socket) => (sockets.add(socket), socket.on('close', () => sockets.delete(socket))));
        await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      }
      mode = next;
    },
    close: () => (mode === 'refused' ? Promise.resolve() : stop()),
  };
}

function tamper(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  claims.sub = 'admin';
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  clearJwksCache();
  const logto = await startLogtoIssuer({ shortLivedAudience: 'https://short.example.test' });
  const jwks = await startChaosJwks(logto);
  const events: Record<string, number> = {};
  const onEvent = (event: AuthEvent) => void (events[event.type] = (events[event.type] ?? 0) + 1);
  const base = { logtoUrl: logto.logtoUrl, jwksUri: jwks.url, audience: [logto.audience, 'https://short.example.test'], jwksCacheTtl: options.jwksCacheTtlMs, onEvent };

  const api = express();
  api.get('/data', createExpressAuthMiddleware({ ...base, requiredScope: 'read:data' }), (req, res) => res.json({ user: (req as express.Request & WithAuth).auth?.userId }));
  api.get('/guest', createExpressAuthMiddleware({ ...base, allowGuest: true }), (req, res) => res.json({ guest: (req as express.Request & WithAuth).auth?.isGuest === true }));
  const hono = new Hono<AuthEnv>();
  hono.get('/data', createHonoAuthMiddleware({ ...base, requiredScope: 'read:data' }) as never, (c) => c.json({ user: c.get('auth').userId }));
  hono.get('/guest', createHonoAuthMiddleware({ ...base, allowGuest: true }) as never, (c) => c.json({ guest: c.get('auth').isGuest === true }));
  const apps: LoopbackServer[] = [await serveOnLoopback(api), await serveOnLoopback(getRequestListener(hono.fetch))];

  // tokens: real ones from the issuer; "expired" ones live a second and are used once dead
  let valid = await logto.getToken();
  let narrow = await logto.getToken({ scope: 'write:data' });
  const expired = await logto.getToken({ resource: 'https://short.example.test' });
  await new Promise((resolve) => setTimeout(resolve, 2_100));
  const tokenFor = (kind: Kind): string | undefined => (kind === 'valid' ? valid : kind === 'expired' ? expired : kind === 'forged' ? tamper(valid) : kind === 'missing-scope' ? narrow : undefined);

  const report: SoakReport = { requests: 0, wrongAnswers: 0, wrongExamples: [], serverErrorsWithKeys: 0, slowShareDuringHang: 0, requestsDuringHang: 0, jwksRequests: 0, rotations: 0, latencyMs: { p50: 0, p99: 0, max: 0 }, heapMb: { start: mb(process.memoryUsage().heapUsed), end: 0 }, rssMb: { start: mb(process.memoryUsage().rss), end: 0 }, events };
  const latencies: number[] = [];
  let slowDuringHang = 0;
  let keysKnown = false;
  let mode: JwksMode = 'ok';
  const inFlight = new Set<Promise<void>>();

  const send = async (n: number) => {
    const kind = KINDS[n % KINDS.length]!;
    const app = apps[n % apps.length]!;
    const token = tokenFor(kind);
    const during = mode;
    const started = performance.now();
    let status: number;
    try {
      const response = await fetch(`${app.url}${kind === 'guest' ? '/guest' : '/data'}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      await response.arrayBuffer();
      status = response.status;
    } catch {
      status = 0;
    }
    const elapsed = performance.now() - started;
    latencies.push(elapsed);
    report.requests++;
    if (during === 'hang') {
      report.requestsDuringHang++;
      if (elapsed > 100) slowDuringHang++;
    }
    if (status === 200 && kind === 'valid') keysKnown = true;
    if (status >= 500 && keysKnown) report.serverErrorsWithKeys++;
    if (status !== EXPECTED[kind]) {
      report.wrongAnswers++;
      if (report.wrongExamples.length < 10) report.wrongExamples.push(`${kind} on ${n % 2 ? 'hono' : 'express'} during ${during}: expected ${EXPECTED[kind]}, got ${status}`);
    }
  };

  const started = Date.now();
  const intervalMs = 1000 / options.rate;
  let n = 0;
  let phaseIndex = -1;
  while (Date.now() - started < options.durationMs) {
    // the chaos schedule
    const inCycle = ((Date.now() - started) % options.cycleMs) / options.cycleMs;
    let edge = 0;
    let index = 0;
    for (; index < CYCLE.length; index++) {
      edge += CYCLE[index]!.share;
      if (inCycle < edge) break;
    }
    index = Math.min(index, CYCLE.length - 1);
    if (index !== phaseIndex) {
      phaseIndex = index;
      const phase = CYCLE[index]!;
      if (phase.rotateAtStart) {
        await logto.rotateKey();
        valid = await logto.getToken();
        narrow = await logto.getToken({ scope: 'write:data' });
        report.rotations++;
      }
      await jwks.setMode(phase.mode);
      mode = phase.mode;
      log(`${((Date.now() - started) / 1000).toFixed(1)} s: JWKS ${phase.mode}${phase.rotateAtStart ? ' (key rotated)' : ''}`);
    }
    const request = send(n++).finally(() => inFlight.delete(request));
    inFlight.add(request);
    const next = started + n * intervalMs;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
  }
  await jwks.setMode('ok');
  await Promise.all(inFlight);

  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 10) / 10;
  report.latencyMs = { p50: at(0.5), p99: at(0.99), max: at(1) };
  report.slowShareDuringHang = report.requestsDuringHang === 0 ? 0 : slowDuringHang / report.requestsDuringHang;
  report.jwksRequests = jwks.hits();
  report.heapMb.end = mb(process.memoryUsage().heapUsed);
  report.rssMb.end = mb(process.memoryUsage().rss);
  for (const app of apps) await app.close();
  await jwks.close();
  await logto.close();
  return report;
}
