// Where an Express request's microseconds go: the Express HTTP bench's method
// (bench/http.ts, server CPU per request) on routes that each add one part of
// what an auth middleware does, so a part is priced in the same run as the
// ceiling. Found with it: Node's `req.headersDistinct` getter (built per
// request) cost about 8 µs; a next() deferred by one promise 3 to 4 µs; and a
// cache hit that costs under 1 µs in a hot loop costs several over HTTP, where
// each request runs with cold caches. ES384, the 20 repeated tokens.
// `node --import tsx bench/express-parts.ts`; not part of `npm run bench`.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createExpressAuthMiddleware } from '../dist/adapters/express.js';
import { resolveOptions } from '../dist/options.js';
import { authenticate } from '../dist/verify.js';
import { AUDIENCE, setUp } from './fixtures.ts';
import { childCpu, forkServer, httpTable, measureHttp } from './http.ts';
import { serveToParent } from './serve-to-parent.ts';

/** How long the "spins" route burns the CPU: a known cost, to see what the server adds to it. */
const SPIN_MS = 0.005;

const PARTS = {
  'no auth (ceiling)': 'none',
  'next() at once': 'noop',
  'next() after a promise': 'deferred',
  'reads req.headersDistinct': 'headers-distinct',
  'scans req.rawHeaders': 'raw-headers',
  'reads req.secure': 'secure',
  'spins 5 µs, next() at once': 'spin',
  'authenticate(), cache hit, nothing set': 'authenticate',
  ours: 'ours',
} as const;
type Part = keyof typeof PARTS;

if (process.argv[2] === 'serve') serve();
else await main();

async function main(): Promise<void> {
  const fx = await setUp(['ES384'], 16);
  const { child, port } = await forkServer(new URL(import.meta.url), fx, ['serve']);
  try {
    const variants = Object.keys(PARTS) as Part[];
    const results = await measureHttp(fx, { name: 'Express parts', variants, url: (part) => `http://127.0.0.1:${port}/${PARTS[part]}`, cpu: () => childCpu(child) });
    console.log(httpTable('Express 5, one route per part of an auth middleware, ES384.', results, variants, 'no auth (ceiling)').join('\n'));
  } finally {
    child.kill();
    await fx.server.close();
  }
}

function serve(): void {
  const options = { logtoUrl: process.env.BENCH_LOGTO_URL!, audience: AUDIENCE };
  const resolved = resolveOptions(options, { fresh: true });
  type Handler = (req: express.Request, res: express.Response, next: express.NextFunction) => void;
  const parts: Record<Exclude<Part, 'no auth (ceiling)'>, Handler> = {
    'next() at once': (_req, _res, next) => next(),
    'next() after a promise': (_req, _res, next) => void Promise.resolve().then(() => next()),
    'reads req.headersDistinct': (req, _res, next) => next(req.headersDistinct.authorization!.length > 1 ? new Error('two') : undefined),
    'scans req.rawHeaders': (req, _res, next) => {
      let fields = 0;
      for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.length === 13 && req.rawHeaders[i]!.toLowerCase() === 'authorization') fields++;
      next(fields > 1 ? new Error('two') : undefined);
    },
    'reads req.secure': (req, _res, next) => next(req.secure ? new Error('https') : undefined),
    'spins 5 µs, next() at once': (_req, _res, next) => {
      const end = performance.now() + SPIN_MS;
      while (performance.now() < end);
      next();
    },
    'authenticate(), cache hit, nothing set': (req, _res, next) => {
      const outcome = authenticate(req as never, resolved);
      if (outcome instanceof Promise) void outcome.then(() => next(), next);
      else next(outcome.error);
    },
    ours: createExpressAuthMiddleware(options) as unknown as Handler,
  };
  const app = express();
  const answer = (_req: express.Request, res: express.Response) => void res.json({ ok: true });
  app.get('/none', answer);
  for (const [part, handler] of Object.entries(parts)) app.get(`/${PARTS[part as Part]}`, handler, answer);
  const server = app.listen(0, '127.0.0.1', () =>
    serveToParent((server.address() as AddressInfo).port, () => {
      server.closeAllConnections();
      server.close();
    }),
  );
}
