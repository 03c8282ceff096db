// Shared bench fixtures: one key per algorithm, a loopback JWKS that serves
// them all, and pools of pre-minted tokens (a "unique" pool larger than any
// verified-token cache, and 20 "repeat" tokens, like users' cookies).
import { makeKey, mint, type TestKey } from '../spec/helpers/keys.ts';
import { startJwksServer, type JwksServer } from '../spec/helpers/jwks-server.ts';
import { MAX_NOTED } from '../dist/token-cache.js';

export const BENCH_ALGORITHMS = ['ES384', 'ES256', 'RS256', 'PS256', 'EdDSA'] as const;
export type BenchAlgorithm = (typeof BENCH_ALGORITHMS)[number];
export const AUDIENCE = 'https://api.bench.example';
/**
 * Larger than every verified-token cache measured (ours and fast-jwt's hold
 * 1000) and than what our cache's doorkeeper remembers (MAX_NOTED, 4096 notes):
 * a token comes back only after every cache has forgotten it, so each
 * verification of a "unique" token is a first sight for every contender. (A
 * pool between 1000 and 4096 measures another workload: tokens that return,
 * are admitted on their second sight and evicted before their third; the
 * breakdown's "cache note + insert" column prices that.)
 */
export const UNIQUE_TOKENS = MAX_NOTED + 1024;
export const REPEAT_TOKENS = 20;

// WebCrypto parameters for the limit, written out here so the limit owes nothing to our lib
export const WEBCRYPTO: Record<BenchAlgorithm, { importParams: any; verifyParams: any }> = {
  ES384: { importParams: { name: 'ECDSA', namedCurve: 'P-384' }, verifyParams: { name: 'ECDSA', hash: 'SHA-384' } },
  ES256: { importParams: { name: 'ECDSA', namedCurve: 'P-256' }, verifyParams: { name: 'ECDSA', hash: 'SHA-256' } },
  RS256: { importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verifyParams: { name: 'RSASSA-PKCS1-v1_5' } },
  PS256: { importParams: { name: 'RSA-PSS', hash: 'SHA-256' }, verifyParams: { name: 'RSA-PSS', saltLength: 32 } },
  EdDSA: { importParams: { name: 'Ed25519' }, verifyParams: { name: 'Ed25519' } },
};

export interface Fixtures {
  server: JwksServer;
  keys: Record<BenchAlgorithm, TestKey>;
  unique: Record<BenchAlgorithm, string[]>;
  repeat: Record<BenchAlgorithm, string[]>;
}

export async function setUp(algorithms: readonly BenchAlgorithm[] = BENCH_ALGORITHMS, uniqueCount = UNIQUE_TOKENS): Promise<Fixtures> {
  const keys = {} as Fixtures['keys'];
  for (const alg of algorithms) keys[alg] = await makeKey(alg, `bench-${alg.toLowerCase()}`);
  const server = await startJwksServer(algorithms.map((alg) => keys[alg].publicJwk));
  const unique = {} as Fixtures['unique'];
  const repeat = {} as Fixtures['repeat'];
  for (const alg of algorithms) {
    unique[alg] = await mintMany(keys[alg], server.issuer, uniqueCount);
    repeat[alg] = await mintMany(keys[alg], server.issuer, REPEAT_TOKENS);
  }
  return { server, keys, unique, repeat };
}

// signing runs on the threadpool: a batch in flight uses both cores
async function mintMany(key: TestKey, iss: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  while (tokens.length < count) {
    const batch = Math.min(64, count - tokens.length);
    tokens.push(...(await Promise.all(Array.from({ length: batch }, (_, i) => mint(key, { iss, aud: AUDIENCE, claims: { sub: `user_${tokens.length + i}` } })))));
  }
  return tokens;
}

/** Splits a compact JWS into the two byte strings `crypto.subtle.verify` takes. */
export function splitToken(token: string): { signingInput: Uint8Array; signature: Uint8Array } {
  const dot = token.lastIndexOf('.');
  return { signingInput: new TextEncoder().encode(token.slice(0, dot)), signature: new Uint8Array(Buffer.from(token.slice(dot + 1), 'base64url')) };
}

/** The machine, for the table's header. */
export async function machine(): Promise<string> {
  const os = await import('node:os');
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} cores, Node ${process.version}, ${os.platform()} ${os.arch()}, load ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`;
}
