// `npm run soak`: the soak with chaos for minutes (default 5), then its report.
// `npm run soak -- 60` runs for 60 seconds.
import { runSoak } from './soak-run.ts';

const seconds = Number(process.argv[2] ?? 300);
const report = await runSoak({ durationMs: seconds * 1000, rate: 200, cycleMs: 60_000, jwksCacheTtlMs: 2_000, log: (line) => console.log(line) });
console.log(JSON.stringify(report, null, 2));
console.log(`\n${report.requests} requests, ${report.wrongAnswers} wrong answers, ${report.serverErrorsWithKeys} 5xx while keys were usable, ` +
  `${(report.slowShareDuringHang * 100).toFixed(2)}% over 100 ms during the hang (${report.requestsDuringHang} requests), ${report.jwksRequests} JWKS requests, ${report.rotations} rotations`);
process.exit(report.wrongAnswers === 0 && report.serverErrorsWithKeys === 0 ? 0 : 1);
