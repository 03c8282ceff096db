// NestJS 12 (Express platform) end to end with autocannon on loopback: the
// same route without a guard (the ceiling), with our LogtoAuthGuard, and with
// what Nest users verify a Logto token with today, @nestjs/passport's
// AuthGuard('jwt') over passport-jwt and jwks-rsa's passportJwtSecret,
// configured to accept it; ES384 and RS256, measured as every HTTP bench is
// (bench/http.ts: interleaved slices, server CPU per request). The server is
// this file run with `serve`, in a child process; Nest's decorators are applied
// as plain calls (what TypeScript's experimentalDecorators emit), so tsx runs it.
// `node --import tsx bench/nestjs.ts` runs this case alone.
import { pathToFileURL } from 'node:url';
import { AUDIENCE, setUp, type Fixtures } from './fixtures.ts';
import { serveToParent } from './serve-to-parent.ts';
import { childCpu, forkServer, HTTP_ALGORITHMS, httpTable, measureHttp, version } from './http.ts';

export const NEST_VARIANTS = ['no guard (ceiling)', '@nestjs/passport + passport-jwt + jwks-rsa', 'ours'] as const;
type NestVariant = (typeof NEST_VARIANTS)[number];
const ROUTES: Record<NestVariant, string> = { 'no guard (ceiling)': 'none', '@nestjs/passport + passport-jwt + jwks-rsa': 'passport', ours: 'ours' };

/** Runs the NestJS case (this file with `serve`) and returns its markdown table. */
export async function runNestHttp(fx: Fixtures): Promise<string[]> {
  const { child, port } = await forkServer(new URL(import.meta.url), fx, ['serve']);
  try {
    const results = await measureHttp(fx, {
      name: 'NestJS',
      variants: NEST_VARIANTS,
      url: (variant, alg) => `http://127.0.0.1:${port}/${ROUTES[variant]}/${alg}`,
      cpu: () => childCpu(child),
    });
    return httpTable(`NestJS ${version('@nestjs/core')} on @nestjs/platform-express (@nestjs/passport ${version('@nestjs/passport')}, passport-jwt ${version('passport-jwt')}, jwks-rsa ${version('jwks-rsa')}), repeat workload.`, results, NEST_VARIANTS, 'no guard (ceiling)');
  } finally {
    child.kill();
  }
}

/** The server: one route per variant and algorithm, all answering the same small JSON. */
async function serve(): Promise<void> {
  await import('reflect-metadata');
  const { Controller, Get, Injectable, Module, Req, UseGuards } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { AuthGuard, PassportStrategy } = await import('@nestjs/passport');
  const { ExtractJwt, Strategy } = await import('passport-jwt');
  const jwksRsa = await import('jwks-rsa');
  const { LogtoAuthGuard } = await import('../dist/adapters/nestjs.js');

  const logtoUrl = process.env.BENCH_LOGTO_URL!;
  const issuer = `${logtoUrl}/oidc`;
  const algorithms = process.env.BENCH_HTTP_ALGS!.split(',');

  // what passport-jwt needs to accept a Logto access token: the key from the JWKS by
  // kid (jwks-rsa, cached), issuer, audience and algorithms; it checks no typ (at+jwt)
  class JwtStrategy extends PassportStrategy(Strategy) {
    constructor() {
      super({ secretOrKeyProvider: jwksRsa.passportJwtSecret({ jwksUri: `${issuer}/jwks`, cache: true, rateLimit: false }), jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), issuer, audience: AUDIENCE, algorithms: algorithms as 'ES384'[] });
    }
    validate(payload: { sub?: string }) {
      return payload;
    }
  }
  Injectable()(JwtStrategy);

  type Request = { auth?: { userId?: string }; user?: { sub?: string } };
  const answer = (request: Request) => ({ ok: true, sub: request.auth?.userId ?? request.user?.sub ?? null });
  const ours = new LogtoAuthGuard({ logtoUrl, audience: AUDIENCE });
  const passport = AuthGuard('jwt');
  class BenchController {}
  const routes: Array<[string, unknown]> = [['none', undefined], ['ours', ours], ['passport', passport]];
  for (const alg of algorithms) {
    for (const [route, guard] of routes) {
      const name = `${route}${alg}`;
      // one function per route: Nest keeps a route's metadata on its handler function
      Object.defineProperty(BenchController.prototype, name, { value: (request: Request) => answer(request), writable: true, configurable: true });
      const descriptor = Object.getOwnPropertyDescriptor(BenchController.prototype, name)!;
      Get(`${route}/${alg}`)(BenchController.prototype, name, descriptor);
      Req()(BenchController.prototype, name, 0);
      if (guard !== undefined) UseGuards(guard as never)(BenchController.prototype, name, descriptor);
    }
  }
  Controller()(BenchController);
  class BenchModule {}
  Module({ controllers: [BenchController], providers: [JwtStrategy] })(BenchModule);

  const app = await NestFactory.create(BenchModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  serveToParent(Number(new URL(await app.getUrl()).port), () => app.close());
}

if (process.argv[2] === 'serve') await serve();
else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const fx = await setUp(HTTP_ALGORITHMS, 1);
  try {
    console.log((await runNestHttp(fx)).join('\n'));
  } finally {
    await fx.server.close();
  }
}
