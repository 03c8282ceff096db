// `npm run bench`: every contender, algorithm, workload and concurrency in one
// process and one run, then the Express run; prints markdown tables of ops/s and
// ratios. Each cell is the best of BENCH_ROUNDS interleaved slices (the machine is shared).
import { clearJwksCache } from '../dist/index.js';
import { BENCH_ALGORITHMS, machine, setUp, type BenchAlgorithm } from './fixtures.ts';
import { HTTP_ALGORITHMS, HTTP_VARIANTS, runHttp } from './http.ts';
import { runHonoHttp } from './hono.ts';
import { runFastifyHttp } from './fastify.ts';
import { runBreakdown } from './breakdown.ts';
import { runCold } from './cold.ts';
import { CONTENDERS, contenders, measure, MODES, warm, WORKLOADS, type Contender, type Workload } from './micro.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const only = process.env.BENCH_ALGS?.split(',') as BenchAlgorithm[] | undefined;
const algorithms = only ?? [...BENCH_ALGORITHMS];
const skipHttp = process.env.BENCH_HTTP === '0';

const started = performance.now();
const fx = await setUp(algorithms);
const best = new Map<string, number>();
const cell = (alg: string, workload: Workload, mode: number, contender: Contender) => `${alg}/${workload}/${mode}/${contender}`;

try {
  // contenders take turns in short slices, ROUNDS times per cell, and each keeps
  // its best slice: a burst of load from elsewhere hits one slice, not one contender
  for (const alg of algorithms) {
    for (const workload of WORKLOADS) {
      const ops = await contenders(fx, alg, workload);
      for (const mode of MODES) {
        for (const contender of CONTENDERS) await warm(ops[contender], mode);
        for (let round = 0; round < ROUNDS; round++) {
          for (const contender of CONTENDERS) {
            const key = cell(alg, workload, mode, contender);
            best.set(key, Math.max(best.get(key) ?? 0, await measure(ops[contender], mode)));
          }
        }
      }
    }
    process.stderr.write(`${alg} done\n`);
  }
  // the breakdown runs on the same fixtures, after the throughput cells, before the HTTP runs
  const breakdown = process.env.BENCH_BREAKDOWN === '0' ? undefined : await runBreakdown(fx, algorithms);
  clearJwksCache();
  const http = skipHttp ? undefined : await runHttp(fx);
  const hono = skipHttp || !algorithms.includes('ES384') ? undefined : await runHonoHttp(fx);
  const fastify = skipHttp || !algorithms.includes('ES384') ? undefined : await runFastifyHttp(fx);

  const lines: string[] = [];
  lines.push(`Machine: ${await machine()}. Each cell: the best of ${ROUNDS} interleaved slices; ops/s, one process.`, '');
  lines.push('| alg | workload | in flight | limit | jose | fast-jwt cache off | fast-jwt cache on | ours tokenCache off | ours | ours/limit | ours/jose | ours/fast-jwt off | ours/fast-jwt on |');
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const alg of algorithms) {
    for (const workload of WORKLOADS) {
      for (const mode of MODES) {
        const v = (c: Contender) => best.get(cell(alg, workload, mode, c))!;
        const ratio = (c: Contender) => `${(v('ours') / v(c)).toFixed(2)}x`;
        lines.push(`| ${alg} | ${workload} | ${mode} | ${CONTENDERS.map((c) => fmt(v(c))).join(' | ')} | ${ratio('limit')} | ${ratio('jose')} | ${ratio('fast-jwt cache off')} | ${ratio('fast-jwt cache on')} |`);
      }
    }
  }
  if (breakdown) lines.push('', ...breakdown);
  if (http) {
    lines.push('', 'Express 5, repeat workload (20 tokens cycled), autocannon 16 connections on loopback; requests/s (p99 ms).', '');
    lines.push(`| alg | ${HTTP_VARIANTS.join(' | ')} | ours/ceiling | express-oauth2-jwt-bearer/ceiling |`);
    lines.push(`| --- | ${HTTP_VARIANTS.map(() => '---:').join(' | ')} | ---: | ---: |`);
    for (const alg of HTTP_ALGORITHMS) {
      const r = http[alg]!;
      const bad = HTTP_VARIANTS.filter((v) => r[v].non2xx > 0);
      if (bad.length) throw new Error(`HTTP bench: non-2xx answers from ${bad.join(', ')} for ${alg}`);
      const ceiling = r['no auth (ceiling)'].rps;
      lines.push(`| ${alg} | ${HTTP_VARIANTS.map((v) => `${fmt(r[v].rps)} (${r[v].p99})`).join(' | ')} | ${(r.ours.rps / ceiling).toFixed(2)}x | ${(r['express-oauth2-jwt-bearer'].rps / ceiling).toFixed(2)}x |`);
    }
  }
  if (hono) lines.push('', ...hono);
  if (fastify) lines.push('', ...fastify);
  if (process.env.BENCH_COLD !== '0') lines.push('', ...(await runCold()));
  lines.push('', `Total bench time: ${((performance.now() - started) / 1000).toFixed(0)} s.`);
  console.log(lines.join('\n'));
} finally {
  await fx.server.close();
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
