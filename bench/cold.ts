// Cold start (`npm run bench:cold`): a fresh process per sample
// (bench/cold-child.mjs), timing from the `import` of the library to the first
// verified token: ours with the JWKS fetched from a loopback server, ours with
// the JWKS read from a warm store (a file-backed Store, the `store` option), and
// jose's jwtVerify + createRemoteJWKSet fetching the same JWKS. Contenders take
// turns, sample by sample; the table gives medians and the JWKS requests seen.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeKey, mint } from '../spec/helpers/keys.ts';
import { startJwksServer } from '../spec/helpers/jwks-server.ts';
import { AUDIENCE, machine } from './fixtures.ts';

const SAMPLES = Number(process.env.BENCH_COLD_SAMPLES ?? 15);
const ALG = (process.env.BENCH_COLD_ALG ?? 'ES384') as 'ES384';
const CONTENDERS = ['ours, JWKS fetched', 'ours, JWKS from a warm store', 'jose, JWKS fetched'] as const;
type Contender = (typeof CONTENDERS)[number];
const ARG: Record<Contender, string> = { 'ours, JWKS fetched': 'ours', 'ours, JWKS from a warm store': 'ours-store', 'jose, JWKS fetched': 'jose' };
const child = new URL('./cold-child.mjs', import.meta.url).pathname;
const run = promisify(execFile);

/** Medians per contender, as markdown lines. */
export async function runCold(): Promise<string[]> {
  const key = await makeKey(ALG, 'cold');
  const server = await startJwksServer([key.publicJwk]);
  const token = await mint(key, { iss: server.issuer, aud: AUDIENCE });
  const dir = mkdtempSync(join(tmpdir(), 'logto-authkit-cold-'));
  const storeFile = join(dir, 'store.json');
  const samples = new Map<Contender, { importMs: number; firstTokenMs: number; processMs: number }[]>(CONTENDERS.map((c) => [c, []]));
  const hits = new Map<Contender, number>(CONTENDERS.map((c) => [c, 0]));
  try {
    const once = async (contender: Contender) => {
      const before = server.hits();
      const started = performance.now();
      const { stdout } = await run(process.execPath, [child, ARG[contender], server.logtoUrl, AUDIENCE, token, storeFile]);
      const processMs = performance.now() - started;
      hits.set(contender, hits.get(contender)! + server.hits() - before);
      return { ...(JSON.parse(stdout) as { importMs: number; firstTokenMs: number }), processMs };
    };
    await once('ours, JWKS from a warm store'); // warms the store (this one fetches and writes it), untimed
    await once('jose, JWKS fetched'); // the file system cache, untimed
    hits.set('ours, JWKS from a warm store', 0);
    hits.set('jose, JWKS fetched', 0);
    for (let i = 0; i < SAMPLES; i++) for (const contender of CONTENDERS) samples.get(contender)!.push(await once(contender));
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const ms = (n: number) => n.toFixed(1);
  const jose = median(samples.get('jose, JWKS fetched')!.map((s) => s.firstTokenMs));
  return [
    `Cold start, ${ALG}, a fresh process per sample (median of ${SAMPLES}, contenders in turn); ms. "import" and "to first token" count from just before the library's import; "process" is spawn to exit, Node's own start-up included.`,
    '',
    '| contender | import | import to first verified token | process | vs jose (first token) | JWKS requests |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...CONTENDERS.map((contender) => {
      const s = samples.get(contender)!;
      const first = median(s.map((x) => x.firstTokenMs));
      return `| ${contender} | ${ms(median(s.map((x) => x.importMs)))} | ${ms(first)} | ${ms(median(s.map((x) => x.processMs)))} | ${(first / jose).toFixed(2)}x | ${hits.get(contender)} |`;
    }),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`Machine: ${await machine()}.\n`);
  console.log((await runCold()).join('\n'));
}
