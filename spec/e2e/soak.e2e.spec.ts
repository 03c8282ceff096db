// The short soak: the same chaos as `npm run soak` (a key rotation, a JWKS that
// answers 500, hangs and refuses connections) compressed into a few seconds.
// It asserts counts, never wall time: every answer right, no 5xx once keys were
// known, and a bounded number of JWKS requests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSoak } from '../../bench/soak-run.ts';

test('answers every request right through rotation, a 500, a hang and refused connections', async () => {
  const report = await runSoak({ durationMs: 12_000, rate: 60, cycleMs: 12_000, jwksCacheTtlMs: 500 });
  assert.deepEqual(report.wrongExamples, []);
  assert.equal(report.wrongAnswers, 0);
  assert.equal(report.serverErrorsWithKeys, 0);
  assert.equal(report.rotations, 1);
  assert.ok(report.requests > 300, `only ${report.requests} requests were sent`);
  // one refresh per TTL at most while healthy, plus retries under backoff while failing: far fewer than requests
  assert.ok(report.jwksRequests < report.requests / 5, `${report.jwksRequests} JWKS requests for ${report.requests} requests`);
  assert.ok((report.events['jwks-stale-served'] ?? 0) > 0, 'stale keys were never served during the outage');
});
