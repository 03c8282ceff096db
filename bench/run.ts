// `npm run bench`: every contender, algorithm, workload and concurrency in one
// process and one run, then the HTTP runs (Express, Hono, Fastify, Next); prints markdown tables of ops/s and
// ratios. Each cell is the best of BENCH_ROUNDS interleaved slices (the machine is shared).
import { clearJwksCache } from '../dist/index.js';
import { BENCH_ALGORITHMS, machine, setUp, type BenchAlgorithm } from './fixtures.ts';
import { httpAlgorithms, runHttp } from './http.ts';
import { runHonoHttp } from './hono.ts';
import { runFastifyHttp } from './fastify.ts';
import { runNextHttp } from './next.ts';
import { runKoaHttp } from './koa.ts';
import { runHapiHttp } from './hapi.ts';
import { runNestHttp } from './nestjs.ts';
import { runElysiaHttp } from './elysia.ts';
import { runBreakdown } from './breakdown.ts';
import { runCold } from './cold.ts';
import { CONTENDERS, contenders, measure, MODES, warm, WORKLOADS, type Contender, type Workload } from './micro.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const only = process.env.BENCH_ALGS?.split(',') as BenchAlgorithm[] | undefined;
const algorithms = only ?? [...BENCH_ALGORITHMS];
const skipHttp = process.env.BENCH_HTTP === '0';
const skipNext = process.env.BENCH_NEXT === '0';
// Koa, Hapi, NestJS and Elysia on Bun, each against its route without auth and its usual JWT plugin
const skipFrameworks = process.env.BENCH_FRAMEWORKS === '0';

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
  // the HTTP benches run ES384 and RS256, those of them BENCH_ALGS keeps
  const noHttp = skipHttp || httpAlgorithms(fx).length === 0;
  const http = noHttp ? undefined : await runHttp(fx);
  const hono = noHttp ? undefined : await runHonoHttp(fx);
  const fastify = noHttp ? undefined : await runFastifyHttp(fx);
  const next = noHttp || skipNext ? undefined : await runNextHttp(fx);
  const frameworks: string[] = [];
  if (!noHttp && !skipFrameworks) for (const run of [runKoaHttp, runHapiHttp, runNestHttp, runElysiaHttp]) frameworks.push('', ...(await run(fx)));

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
  if (http) lines.push('', ...http);
  if (hono) lines.push('', ...hono);
  if (fastify) lines.push('', ...fastify);
  if (next) lines.push('', ...next);
  lines.push(...frameworks);
  if (process.env.BENCH_COLD !== '0') lines.push('', ...(await runCold()));
  lines.push('', `Total bench time: ${((performance.now() - started) / 1000).toFixed(0)} s.`);
  console.log(lines.join('\n'));
} finally {
  await fx.server.close();
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
