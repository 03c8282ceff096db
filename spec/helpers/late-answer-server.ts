// One server in its own Node process (forked with tsx by
// spec/e2e/late-answer.e2e.spec.ts), so a crash shows as the process exiting:
// the Express auth middleware behind a timeout middleware that answers first
// (Express 5, Express 4), or on bare node:http with a `next` that throws.
// Configured by LATE_ANSWER_SERVER (JSON); tells the parent over IPC:
//   { type: 'listening', port }  ready
//   { type: 'verdict' }          the verification of a request finished (onEvent)
// and stops when the parent sends { type: 'stop' } or goes away.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express5 from 'express';
import express4 from 'express4';
import { createExpressAuthMiddleware } from '../../lib/adapters/express.ts';

/** How long the timeout middleware lets a request run before it answers 503 itself. */
const TIMEOUT_MS = 50;

const config = JSON.parse(process.env.LATE_ANSWER_SERVER!) as { framework: 'express5' | 'express4' | 'node'; logtoUrl: string; audience: string };
const auth = createExpressAuthMiddleware({
  logtoUrl: config.logtoUrl,
  audience: config.audience,
  // a verdict event comes just before the middleware answers, in the same turn
  onEvent: (event) => {
    if (event.type === 'verified' || event.type === 'rejected') process.send!({ type: 'verdict' });
  },
});

const health = (res: ServerResponse) => {
  res.setHeader('content-type', 'application/json');
  res.end('{"ok":true}');
};

let listener: (req: IncomingMessage, res: ServerResponse) => void;
if (config.framework === 'node') {
  // bare node:http: the app's next throws (a handler with a bug)
  listener = (req, res) => {
    if (req.url === '/health') return health(res);
    (auth as unknown as (req: IncomingMessage, res: ServerResponse, next: () => void) => void)(req, res, () => {
      throw new Error('the handler failed');
    });
  };
} else {
  const express = (config.framework === 'express4' ? express4 : express5) as typeof express5;
  const app = express();
  // what connect-timeout and hand-written timeouts do: answer, and let the chain run on
  // (only for requests that ask for it: the spec holds the issuer's answer until the timeout's is in)
  app.use((req, res, next) => {
    if (req.headers['x-timeout'] === undefined) return next();
    const timer = setTimeout(() => {
      if (!res.headersSent) res.status(503).json({ error: 'TIMEOUT' });
    }, TIMEOUT_MS);
    res.on('close', () => clearTimeout(timer));
    next();
  });
  app.get('/health', (_req, res) => health(res));
  app.use(auth as unknown as express5.RequestHandler);
  app.get('/me', (req, res) => res.json({ userId: (req as unknown as { auth: { userId: string } }).auth.userId }));
  listener = app as unknown as typeof listener;
}

const server = createServer(listener);
server.listen(0, '127.0.0.1', () => process.send!({ type: 'listening', port: (server.address() as AddressInfo).port }));
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('message', (message: { type: string }) => {
  if (message.type === 'stop') stop();
});
process.on('disconnect', stop);
