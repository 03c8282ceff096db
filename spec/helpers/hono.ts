// Start a Hono app for a test, over real HTTP on 127.0.0.1 (port 0), and stop
// it with its keep-alive sockets so the test process can exit.
//   serveHonoOnLoopback(app)          Node, through @hono/node-server's serve()
//   startHonoWorker(entry, bindings)  workerd, through Miniflare: `entry` is a
//                                     worker module (default export `{ fetch }`,
//                                     or a Hono app) bundled with hono by esbuild,
//                                     since workerd cannot resolve node_modules
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import type { LoopbackServer } from './loopback.ts';

/** The newest compatibility date the installed workerd knows (Miniflare's own default is far older). */
export const WORKERD_COMPATIBILITY_DATE = (createRequire(import.meta.url)('workerd') as { compatibilityDate: string }).compatibilityDate;

/** Anything with Hono's `fetch(request, env?)`: a `Hono` app. */
export interface FetchApp {
  fetch(request: Request, ...rest: never[]): Response | Promise<Response>;
}

/**
 * Serves `app` with `@hono/node-server` on 127.0.0.1, port 0.
 * Note: serve() replaces the global Request/Response with its own by default
 * (`overrideGlobalObjects`); pass `overrideGlobalObjects: false` to keep Node's.
 */
export async function serveHonoOnLoopback(app: FetchApp, options: { overrideGlobalObjects?: boolean } = {}): Promise<LoopbackServer> {
  let server: ReturnType<typeof serve> | undefined;
  const info = await new Promise<AddressInfo>((resolve) => {
    server = serve({ fetch: app.fetch as never, port: 0, hostname: '127.0.0.1', ...options }, resolve);
  });
  const http = server as unknown as { closeAllConnections?(): void; close(callback: () => void): void };
  return {
    url: `http://127.0.0.1:${info.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections?.();
        http.close(() => resolve());
      }),
  };
}

/** Bundles a worker module and what it imports (hono, dist/) into one ESM script for workerd. */
export async function bundleWorker(entry: string): Promise<string> {
  const bundle = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', write: false, logLevel: 'warning' });
  return bundle.outputFiles[0]!.text;
}

/**
 * Runs the worker `entry` (bundled by `bundleWorker`) on workerd through
 * Miniflare, listening on 127.0.0.1, port 0, with `bindings` as its env.
 * The worker may fetch loopback addresses (a JWKS server, the issuer).
 */
export async function startHonoWorker(entry: string, bindings: Record<string, string>, compatibilityDate = WORKERD_COMPATIBILITY_DATE): Promise<LoopbackServer & { miniflare: Miniflare }> {
  const script = await bundleWorker(entry);
  const miniflare = new Miniflare({ modules: true, script, bindings, host: '127.0.0.1', port: 0, compatibilityDate });
  try {
    const url = await miniflare.ready;
    return { url: url.origin, miniflare, close: () => miniflare.dispose() };
  } catch (error) {
    await miniflare.dispose();
    throw error;
  }
}
