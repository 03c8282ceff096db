// Verifications per second, one process: the WebCrypto limit, jose, fast-jwt
// (cache on and off) and ours, per algorithm, workload and concurrency.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createPublicKey, type JsonWebKeyInput } from 'node:crypto';
import { createVerifier } from 'fast-jwt';
import buildGetJwks from 'get-jwks';
import { verifyLogtoToken } from '../dist/index.js';
import { AUDIENCE, splitToken, WEBCRYPTO, type BenchAlgorithm, type Fixtures } from './fixtures.ts';

export const MODES = [1, 16] as const;
export const WORKLOADS = ['unique', 'repeat'] as const;
export const CONTENDERS = ['limit', 'jose', 'fast-jwt cache off', 'fast-jwt cache on', 'ours tokenCache off', 'ours'] as const;
export type Workload = (typeof WORKLOADS)[number];
export type Contender = (typeof CONTENDERS)[number];
type Op = (i: number) => Promise<unknown>;

const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 200);
const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 200);

/** Runs `op` for WARMUP_MS, untimed, so the JIT has seen it. */
export async function warm(op: Op, inFlight: number): Promise<void> {
  await runFor(op, inFlight, WARMUP_MS);
}

/** Runs `op` with `inFlight` calls outstanding for one slice; returns ops/s. */
export async function measure(op: Op, inFlight: number): Promise<number> {
  await runFor(op, inFlight, 20); // settle after the previous contender
  return runFor(op, inFlight, SLICE_MS);
}

// one cursor per contender for the whole run: its slice goes on where its last
// one stopped, so it cycles its pool strictly in order (a pool larger than its
// cache never hits it), whatever the other contenders did in between
const cursors = new Map<Op, number>();

async function runFor(op: Op, inFlight: number, ms: number): Promise<number> {
  let done = 0;
  let cursor = cursors.get(op) ?? 0;
  const start = performance.now();
  const end = start + ms;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      await op(cursor++);
      if ((++done & 15) === 0 && performance.now() >= end) stop = true;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  cursors.set(op, cursor);
  return done / ((performance.now() - start) / 1000);
}

/** Builds one op per contender for one algorithm and workload, each checked once before it is timed. */
type Bytes = Uint8Array<ArrayBuffer>;

export async function contenders(fx: Fixtures, alg: BenchAlgorithm, workload: Workload): Promise<Record<Contender, Op>> {
  const tokens = fx[workload][alg];
  const n = tokens.length;
  const { importParams, verifyParams } = WEBCRYPTO[alg];
  const cryptoKey = await crypto.subtle.importKey('jwk', fx.keys[alg].publicJwk as JsonWebKey, importParams, false, ['verify']);
  const split = tokens.map(splitToken) as { signingInput: Bytes; signature: Bytes }[];

  const jwks = createRemoteJWKSet(new URL(fx.server.jwksUri));
  const joseOptions = { issuer: fx.server.issuer, audience: AUDIENCE, algorithms: [alg] };

  // get-jwks caches the JWK, but its getPublicKey turns it into a PEM on every call
  // (jwk-to-pem: milliseconds for an EC key, and no OKP support), so the PEM is
  // made with node:crypto from getJwk and memoised per alg and kid: the fastest
  // setup a fast-jwt user would reasonably write
  const getJwks = buildGetJwks({ jwksPath: '/oidc/jwks', providerDiscovery: false });
  const pems = new Map<string, Promise<string>>();
  const pemFor = (header: { alg: string; kid: string }) => {
    const id = `${header.alg}/${header.kid}`;
    let pem = pems.get(id);
    if (!pem) pems.set(id, (pem = getJwks.getJwk({ domain: fx.server.logtoUrl, alg: header.alg, kid: header.kid }).then((jwk: object) => createPublicKey({ key: jwk as JsonWebKeyInput['key'], format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string)));
    return pem;
  };
  const fastJwt = (cache: boolean) =>
    createVerifier({
      key: (decoded: { header: Record<string, any> }) => pemFor(decoded.header as { alg: string; kid: string }),
      cache,
      algorithms: [alg],
      allowedIss: fx.server.issuer,
      allowedAud: AUDIENCE,
    }) as unknown as (token: string) => Promise<unknown>;
  const fastOff = fastJwt(false);
  const fastOn = fastJwt(true);

  const ours = { logtoUrl: fx.server.logtoUrl, audience: AUDIENCE };
  const oursUncached = { ...ours, tokenCache: false };

  const ops: Record<Contender, Op> = {
    limit: async (i) => {
      const { signingInput, signature } = split[i % n]!;
      if (!(await crypto.subtle.verify(verifyParams, cryptoKey, signature, signingInput))) throw new Error('limit: signature did not verify');
    },
    jose: (i) => jwtVerify(tokens[i % n]!, jwks, joseOptions),
    'fast-jwt cache off': (i) => fastOff(tokens[i % n]!),
    'fast-jwt cache on': (i) => fastOn(tokens[i % n]!),
    'ours tokenCache off': (i) => verifyLogtoToken(tokens[i % n]!, oursUncached),
    ours: (i) => verifyLogtoToken(tokens[i % n]!, ours),
  };
  // warm every cache and prove each contender accepts the tokens
  for (const op of Object.values(ops)) await op(0);
  return ops;
}
