// `node build.mjs --if-stale && node --import tsx bench/revocation.ts`: what the
// revocation stage costs a request whose token nothing revokes (the verified-
// token cache hit path runs exactly this), in ns per check, with the list empty
// and with 100,000 revoked users; then, in a child `node --expose-gc`, the heap
// per revoked user held by an instance's local copy at 100,000 users.
// Measures the built dist/ (what users run).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RevokedSet } from '../dist/revocation/revoked-set.js';
import { createRevocationList } from '../dist/revocation/revocation-list.js';
import { assertNotRevoked } from '../dist/revocation/assert-not-revoked.js';
import { resolveOptions } from '../dist/options.js';
import { memoryStore } from '../dist/stores/memory.js';

const USERS = Number(process.env.BENCH_REVOKED_USERS ?? 100_000);
const CALLS = Number(process.env.BENCH_REVOCATION_CALLS ?? 20_000_000);
const ROUNDS = 5;
const NOW_SEC = Math.floor(Date.now() / 1000);

// Logto user ids: 12 lowercase letters and digits
const userId = (i: number) => `u${i.toString(36).padStart(11, '0')}`;

if (process.argv.includes('--memory')) {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  // each id a string of its own, as JSON.parse of a feed entry makes it: counted with its Map slot
  const before = heap();
  const set = new RevokedSet(3660, 60);
  for (let i = 0; i < USERS; i++) set.apply({ by: 'sub', id: userId(i), at: NOW_SEC }, NOW_SEC);
  const after = heap();
  console.log(JSON.stringify({ users: set.size().users, bytes: after - before }));
} else {
  const payloads = Array.from({ length: 1024 }, (_, i) => ({ iss: 'https://tenant.logto.app/oidc', aud: 'https://api.example.com', sub: `user_ok_${i}`, iat: NOW_SEC, exp: NOW_SEC + 3600, scope: 'read', client_id: 'app', jti: `jti_${i}` }));
  const measure = (name: string, check: (payload: Record<string, unknown>) => unknown) => {
    let best = Infinity;
    let sink = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < CALLS; i++) if (check(payloads[i & 1023]!) !== undefined) sink++;
      best = Math.min(best, Number(process.hrtime.bigint() - started) / CALLS);
    }
    if (sink !== 0) throw new Error('a payload matched');
    console.log(`${name.padEnd(58)} ${best.toFixed(1)} ns per check (best of ${ROUNDS} x ${CALLS.toLocaleString('en')})`);
  };

  const empty = createRevocationList({ store: memoryStore(), syncIntervalMs: 0 });
  const full = createRevocationList({ store: memoryStore(), syncIntervalMs: 0 });
  const failClosed = createRevocationList({ store: memoryStore(), syncIntervalMs: 0, failClosedAfterMs: 3_600_000 });
  await failClosed.ready();
  for (let i = 0; i < USERS; i++) void full.revokeUser(userId(i));
  await full.revokeToken('jti_revoked');
  await full.revokeSession('sid_revoked');
  const base = { logtoUrl: 'https://tenant.logto.app', audience: 'https://api.example.com' };
  const none = resolveOptions(base);
  const withEmpty = resolveOptions({ ...base, revocation: empty });
  const withFull = resolveOptions({ ...base, revocation: full });
  const withFailClosed = resolveOptions({ ...base, revocation: failClosed });

  console.log(`revocation check, nothing matches (${full.size().users.toLocaleString('en')} users, 1 jti, 1 sid in the full list)`);
  measure('stage, no revocation option', (payload) => assertNotRevoked(payload, none));
  measure('stage, empty list', (payload) => assertNotRevoked(payload, withEmpty));
  measure(`stage, ${USERS.toLocaleString('en')} revoked users + 1 jti + 1 sid`, (payload) => assertNotRevoked(payload, withFull));
  // a cache hit passes the clock reading it already made: the age test costs a subtraction
  const nowMs = Date.now();
  measure('stage, empty list, failClosedAfterMs (age judged per check)', (payload) => assertNotRevoked(payload, withFailClosed, nowMs));
  measure(`list.check alone, ${USERS.toLocaleString('en')} revoked users`, (payload) => full.check(payload));
  await Promise.all([empty.close(), full.close(), failClosed.close()]);

  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--memory'], { encoding: 'utf8', env: process.env });
  if (child.status !== 0) throw new Error(child.stderr);
  const { users, bytes } = JSON.parse(child.stdout.trim().split('\n').pop()!) as { users: number; bytes: number };
  console.log(`memory of the local copy: ${users.toLocaleString('en')} revoked users, ${(bytes / 1024 / 1024).toFixed(1)} MB, ${(bytes / users).toFixed(0)} bytes per user (12-character ids and their Map slots, heap after gc)`);
}
