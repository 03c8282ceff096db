// Where the microseconds of one verification go, and what each feature costs a
// cache hit (`npm run bench` prints it after the main tables; alone:
// `node build.mjs --if-stale && node --import tsx bench/breakdown.ts`).
// Measures the built dist/ (what users run), one verification in flight:
// 1. stages of a verification with distinct tokens: parse, key lookup, the
//    signature (our call around crypto.subtle.verify against the bare call),
//    claims, the token cache's bookkeeping, then the whole pipeline against the
//    limit; the rest is scheduling;
// 2. microtask turns between the call and crypto.subtle.verify, and between its
//    result and the caller, against a caller that awaits crypto.subtle.verify itself;
// 3. a cache hit, bare and with each feature configured but not matching;
// 4. each adapter's per-request cost on a cache hit, called directly (no HTTP);
// 5. parsing a distinct token, part by part.
import { verifyAuth, verifyLogtoToken, createRevocationList, memoryStore, checkRequirements } from '../dist/index.js';
import { parseCompact, verifySignature } from '../dist/jose/jws.js';
import { decodeBase64url, decodeUtf8, encodeUtf8 } from '../dist/jose/base64url.js';
import { checkClaims } from '../dist/jose/claims.js';
import { contextOf } from '../dist/context.js';
import { findKey } from '../dist/keys/jwks-cache.js';
import { resolveOptions } from '../dist/options.js';
import { rememberVerified, seenBefore } from '../dist/token-cache.js';
import { createExpressAuthMiddleware } from '../dist/adapters/express.js';
import { createHonoAuthMiddleware } from '../dist/adapters/hono.js';
import { createFastifyAuthHook } from '../dist/adapters/fastify.js';
import { withAuth } from '../dist/adapters/next.js';
import { AUDIENCE, splitToken, WEBCRYPTO, type BenchAlgorithm, type Fixtures } from './fixtures.ts';

/** Calls per timed round of a synchronous stage or a cache hit. */
const SYNC_CALLS = Number(process.env.BENCH_BREAKDOWN_CALLS ?? 200_000);
/** Verifications per timed round of a stage that awaits crypto. */
const CRYPTO_CALLS = Number(process.env.BENCH_BREAKDOWN_CRYPTO_CALLS ?? 400);
/** Rounds per figure; each figure is the best round (the machine is shared). */
const ROUNDS = Number(process.env.BENCH_BREAKDOWN_ROUNDS ?? 5);

type Bytes = Uint8Array<ArrayBuffer>;

/** Best-of-ROUNDS microseconds per call of a synchronous `op`. */
function usSync(op: (i: number) => unknown, calls = SYNC_CALLS): number {
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) op(i);
    best = Math.min(best, ((performance.now() - start) * 1000) / calls);
  }
  return best;
}

/** Best-of-ROUNDS microseconds per call of an async `op`, one in flight. */
async function usAsync(op: (i: number) => Promise<unknown>, calls: number, rounds = ROUNDS, first = 0): Promise<number> {
  let best = Infinity;
  let cursor = first;
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) await op(cursor++);
    best = Math.min(best, ((performance.now() - start) * 1000) / calls);
  }
  return best;
}

const us = (n: number) => n.toFixed(2);

/** What parsing a distinct token costs, part by part; one markdown row. */
function parseParts(fx: Fixtures, alg: BenchAlgorithm): string {
  const tokens = fx.unique[alg];
  const n = tokens.length;
  const dots = tokens.map((token) => {
    const first = token.indexOf('.');
    return [first, token.indexOf('.', first + 1)] as const;
  });
  const payloadBytes = tokens.map((token, i) => decodeBase64url(token, dots[i]![0] + 1, dots[i]![1])!.slice());
  const payloadText = payloadBytes.map((bytes) => decodeUtf8(bytes)!);
  const cells = [
    usSync((i) => parseCompact(tokens[i % n]!), SYNC_CALLS / 10),
    usSync((i) => decodeBase64url(tokens[i % n]!, dots[i % n]![1] + 1), SYNC_CALLS / 10),
    usSync((i) => decodeBase64url(tokens[i % n]!, dots[i % n]![0] + 1, dots[i % n]![1]), SYNC_CALLS / 10),
    usSync((i) => decodeUtf8(payloadBytes[i % n]!), SYNC_CALLS / 10),
    usSync((i) => JSON.parse(payloadText[i % n]!), SYNC_CALLS / 10),
    usSync((i) => encodeUtf8(tokens[i % n]!.slice(0, dots[i % n]![1])), SYNC_CALLS / 10),
  ];
  const [token, signature] = [tokens[0]!.length, tokens[0]!.length - dots[0]![1] - 1];
  return `| ${alg} | ${token} / ${signature} / ${payloadBytes[0]!.length} | ${cells.map(us).join(' | ')} |`;
}

/** Stage costs and microtask turns for one algorithm; markdown rows. */
export async function breakdown(fx: Fixtures, alg: BenchAlgorithm): Promise<{ stages: string; hops: string }> {
  const tokens = fx.unique[alg];
  const n = tokens.length;
  const options = { logtoUrl: fx.server.logtoUrl, audience: AUDIENCE, tokenCache: false };
  const resolved = resolveOptions(options);
  await verifyLogtoToken(tokens[0]!, options); // JWKS fetched, key imported
  const parsed = tokens.map((token) => parseCompact(token));
  const kid = parsed[0]!.header.kid;
  const key = findKey(resolved, alg, kid, Date.now())!;
  const { verifyParams, importParams } = WEBCRYPTO[alg];
  const rawKey = await crypto.subtle.importKey('jwk', fx.keys[alg].publicJwk as JsonWebKey, importParams, false, ['verify']);
  const split = tokens.map(splitToken) as { signingInput: Bytes; signature: Bytes }[];

  const parse = usSync((i) => parseCompact(tokens[i % n]!), SYNC_CALLS / 10);
  const lookup = usSync(() => findKey(resolved, alg, kid, Date.now()));
  const claims = usSync((i) => checkClaims(parsed[i % n]!.payload as Record<string, unknown>, resolved.expected, Date.now() / 1000));
  // the doorkeeper's note for a token seen once, then an insert (with eviction once full) into a scratch table
  const scratch = {};
  const note = usSync((i) => seenBefore(`${tokens[i % n]!}${i}`), SYNC_CALLS / 10);
  const insert = usSync((i) => rememberVerified(scratch, `${tokens[i % n]!}${i}`, contextOf({ ...parsed[i % n]!.payload }), key.cachedKey), SYNC_CALLS / 10);
  // crypto-bound figures interleave, so a burst of load hits all of them alike
  let limit = Infinity;
  let least = Infinity;
  let signature = Infinity;
  let off = Infinity;
  let on = Infinity;
  const onOptions = { ...options, tokenCache: true };
  await verifyLogtoToken(tokens[n - 1]!, onOptions);
  // each round takes the next CRYPTO_CALLS tokens of the pool, so with a pool of
  // ROUNDS x CRYPTO_CALLS tokens or more the cache-on figure never hits (each token is new to it)
  for (let round = 0; round < ROUNDS; round++) {
    const first = round * CRYPTO_CALLS;
    limit = Math.min(limit, await usAsync(async (i) => crypto.subtle.verify(verifyParams, rawKey, split[i % n]!.signature, split[i % n]!.signingInput), CRYPTO_CALLS, 1, first));
    // the least any verifier does per token before the call: split it, decode the signature (natively), encode the signing input
    least = Math.min(least, await usAsync(async (i) => {
      const { signature: bytes, signingInput } = splitToken(tokens[i % n]!) as { signingInput: Bytes; signature: Bytes };
      return crypto.subtle.verify(verifyParams, rawKey, bytes, signingInput);
    }, CRYPTO_CALLS, 1, first));
    signature = Math.min(signature, await usAsync((i) => verifySignature(parsed[i % n]!, alg, key.cryptoKey, key.signatureLength), CRYPTO_CALLS, 1, first));
    off = Math.min(off, await usAsync((i) => verifyLogtoToken(tokens[i % n]!, options), CRYPTO_CALLS, 1, first));
    on = Math.min(on, await usAsync((i) => verifyLogtoToken(tokens[i % n]!, onOptions), CRYPTO_CALLS, 1, first));
  }
  const accounted = parse + lookup + claims + (signature - limit);
  const stages = `| ${alg} | ${us(limit)} | ${us(parse)} | ${us(lookup)} | ${us(signature - limit)} | ${us(claims)} | ${us(note)} + ${us(insert)} | ${us(off)} | ${us(off - limit - accounted)} | ${(limit / off).toFixed(2)}x | ${us(on)} | ${(limit / on).toFixed(2)}x | ${us(least)} | ${(limit / least).toFixed(2)}x | ${(least / off).toFixed(2)}x |`;

  const bare = await microtaskTurns(() => crypto.subtle.verify(verifyParams, rawKey, split[1]!.signature, split[1]!.signingInput));
  const ours = await microtaskTurns(() => verifyLogtoToken(tokens[2]!, options));
  const hops = `| ${alg} | ${bare.before} / ${bare.after} | ${ours.before} / ${ours.after} | ${ours.after - bare.after} |`;
  return { stages, hops };
}

// Microtask turns: a ticker re-queues itself and counts; it runs from the call
// until crypto.subtle.verify is called (turns before it), stops while the
// threadpool works, and runs again from verify's result until the caller
// resumes (turns after it). The patch adds one turn of its own to every caller alike.
async function microtaskTurns(call: () => Promise<unknown>): Promise<{ before: number; after: number }> {
  let ticks = 0;
  let ticking = false;
  const tick = () => {
    if (!ticking) return;
    ticks++;
    queueMicrotask(tick);
  };
  const start = () => {
    ticks = 0;
    ticking = true;
    queueMicrotask(tick);
  };
  const subtle = crypto.subtle as SubtleCrypto & { verify: SubtleCrypto['verify'] };
  const original = subtle.verify;
  let before = -1;
  Object.defineProperty(subtle, 'verify', {
    configurable: true,
    value: (...args: Parameters<SubtleCrypto['verify']>) => {
      before = ticks;
      ticking = false;
      return original.apply(subtle, args).then((valid) => {
        start();
        return valid;
      });
    },
  });
  try {
    start();
    await call();
    ticking = false;
    return { before, after: ticks };
  } finally {
    delete (subtle as { verify?: unknown }).verify;
  }
}

/** A cache hit, bare and with each feature configured but not matching; markdown rows. */
export async function featureCosts(fx: Fixtures, alg: BenchAlgorithm): Promise<string[]> {
  const token = fx.repeat[alg][0]!;
  const base = { logtoUrl: fx.server.logtoUrl, audience: AUDIENCE };
  const revocation = createRevocationList({ store: memoryStore(), syncIntervalMs: 0, subscribe: false });
  await revocation.revokeUser('someone_else');
  const onEvent = () => {};
  const all = { ...base, trustedOrigins: ['https://partner.example'], revocation, onEvent };
  const bearer = { headers: { authorization: `Bearer ${token}` }, method: 'GET' };
  // a cookie-borne token on a POST from the same origin: the cross-origin check runs and passes
  const samePost = { headers: { cookie: `logto_authtoken=${token}`, origin: 'https://app.example', host: 'app.example' }, method: 'POST' };
  // a Bearer POST as a browser app sends it (Origin, Host, Sec-Fetch-Site): no cookie, so no cross-origin check
  const bearerPost = { headers: { authorization: `Bearer ${token}`, origin: 'https://app.example', host: 'api.example', 'sec-fetch-site': 'same-site' }, method: 'POST' };
  const requirement = { claims: [(payload: { sub?: string }) => payload.sub !== undefined] };
  // one options object per case, made once: the token cache keeps a table per options object
  const withHook = { ...base, onEvent };
  const withRevocation = { ...base, revocation };
  const withOrigins = { ...base, trustedOrigins: ['https://partner.example'] };
  const cases: [string, () => Promise<unknown>][] = [
    ['verifyLogtoToken, bare cache hit', () => verifyLogtoToken(token, base)],
    ['+ event hook set (a no-op)', () => verifyLogtoToken(token, withHook)],
    ['+ revocation list (1 other user revoked)', () => verifyLogtoToken(token, withRevocation)],
    ['verifyAuth, Bearer header (request reading)', () => verifyAuth(bearer, base)],
    ['verifyAuth, cookie on a same-origin POST (cross-origin check)', () => verifyAuth(samePost, withOrigins)],
    ['verifyAuth + a guard (checkRequirements, a claim predicate)', () => verifyAuth(bearer, base).then((auth) => checkRequirements(auth, requirement))],
    ['verifyAuth, every feature (cookie POST, trustedOrigins, revocation, hook, guard)', () => verifyAuth(samePost, all).then((auth) => checkRequirements(auth, requirement))],
    ['verifyAuth, Bearer POST, every feature configured (trustedOrigins, revocation, hook, guard)', () => verifyAuth(bearerPost, all).then((auth) => checkRequirements(auth, requirement))],
  ];
  const rows: string[] = [];
  for (const [name, op] of cases) {
    await op();
    await op(); // the second verification is remembered (doorkeeper)
    await op();
    rows.push(`| ${name} | ${us(await usAsync(op, SYNC_CALLS / 4))} |`);
  }
  return rows;
}

/** Each adapter on a cache hit, called directly with a minimal request; markdown rows. */
export async function adapterCosts(fx: Fixtures, alg: BenchAlgorithm): Promise<string[]> {
  const token = fx.repeat[alg][1]!;
  const options = { logtoUrl: fx.server.logtoUrl, audience: AUDIENCE };
  const headers = { authorization: `Bearer ${token}` };
  const express = createExpressAuthMiddleware(options);
  const expressRes = { statusCode: 200, setHeader() {}, getHeader() {}, end() {} };
  const hono = createHonoAuthMiddleware(options);
  const honoRequest = new Request('http://api.example/x', { headers });
  const honoContext = { req: { raw: honoRequest }, set() {}, header() {} };
  const fastify = createFastifyAuthHook(options);
  const fastifyReply = { code() { return this; }, header() { return this; }, send() { return this; } };
  const answer = new Response('ok');
  const next = withAuth(async () => answer, options);
  const nextRequest = new Request('http://api.example/x', { headers });
  const noop = async () => {};
  const cases: [string, () => Promise<unknown>][] = [
    ['an awaited no-op (the floor)', noop],
    ['verifyAuth on a { headers } record', () => verifyAuth({ headers, method: 'GET' }, options)],
    ['Express middleware (req, res, next)', () => new Promise<void>((resolve, reject) => express({ headers, method: 'GET' } as never, expressRes as never, (error?: unknown) => (error ? reject(error) : resolve())))],
    ['Hono middleware (c, next), a Fetch Request', () => hono(honoContext as never, noop)],
    ['Fastify onRequest hook (request, reply)', () => fastify({ headers, method: 'GET', protocol: 'http' } as never, fastifyReply as never)],
    ['Next withAuth(handler), a Fetch Request', () => next(nextRequest, {})],
  ];
  const rows: string[] = [];
  for (const [name, op] of cases) {
    await op();
    await op();
    await op();
    rows.push(`| ${name} | ${us(await usAsync(op, SYNC_CALLS / 4))} |`);
  }
  return rows;
}

/** Every table of this file, as markdown lines. */
export async function runBreakdown(fx: Fixtures, algorithms: readonly BenchAlgorithm[]): Promise<string[]> {
  const stages: string[] = [];
  const hops: string[] = [];
  for (const alg of algorithms) {
    const result = await breakdown(fx, alg);
    stages.push(result.stages);
    hops.push(result.hops);
  }
  const featureAlg = algorithms.includes('ES384') ? 'ES384' : algorithms[0]!;
  return [
    `One verification, distinct tokens, 1 in flight, µs per call (best of ${ROUNDS} rounds; stages in hot loops, crypto-bound figures interleaved). "signature overhead" is verifySignature minus the bare crypto.subtle.verify; "rest" is the whole pipeline minus the limit and every stage before it: scheduling and cold caches after the threadpool round trip. "least split" is the limit plus the least any verifier does per token before the call (find the dots, decode the signature with Node's native base64url, encode the signing input), on the same tokens, interleaved.`,
    '',
    '| alg | limit (bare verify) | parse | key lookup | signature overhead | claims | cache note + insert | ours tokenCache off | rest | ours off/limit | ours (cache on, tokens seen once) | ours on/limit | least split | least split/limit | ours off/least split |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...stages,
    '',
    'Microtask turns before / after crypto.subtle.verify (call to verify; verify\'s result to the caller resuming), tokenCache off, warm JWKS.',
    '',
    '| alg | caller awaiting verify itself | verifyLogtoToken | extra turns after verify |',
    '| --- | ---: | ---: | ---: |',
    ...hops,
    '',
    `A cache hit with features configured but not matching (${featureAlg}), µs per call, one in flight, awaited.`,
    '',
    '| case | µs per call |',
    '| --- | ---: |',
    ...(await featureCosts(fx, featureAlg)),
    '',
    `Each adapter on a cache hit (${featureAlg}), called directly with a minimal request (no HTTP), µs per call, awaited.`,
    '',
    '| adapter | µs per call |',
    '| --- | ---: |',
    ...(await adapterCosts(fx, featureAlg)),
    '',
    `Parsing a distinct token (${fx.unique[algorithms[0]!].length} tokens cycled), part by part, µs per call (best of ${ROUNDS} rounds). The header is read once per key (parseCompact keeps checked headers).`,
    '',
    '| alg | token / signature chars / payload bytes | parseCompact | signature base64url | payload base64url | payload UTF-8 | payload JSON.parse | signing input bytes |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...algorithms.map((alg) => parseParts(fx, alg)),
  ];
}

// run alone: `node --import tsx bench/breakdown.ts`
if (import.meta.url === `file://${process.argv[1]}`) {
  const { BENCH_ALGORITHMS, machine, setUp } = await import('./fixtures.ts');
  const only = process.env.BENCH_ALGS?.split(',') as BenchAlgorithm[] | undefined;
  const algorithms = only ?? [...BENCH_ALGORITHMS];
  const fx = await setUp(algorithms);
  try {
    console.log(`Machine: ${await machine()}.\n`);
    console.log((await runBreakdown(fx, algorithms)).join('\n'));
  } finally {
    await fx.server.close();
  }
  process.exit(0);
}
