// `npm run bench:memory` (node --expose-gc): the heap before and after
// 1,000,000 distinct tokens go into the verified-token cache. Signing a million
// tokens would take an hour, so the cache is fed directly, with tokens and
// claims shaped like Logto's (about 900 characters; one in ten 8,000).
import { contextOf } from '../dist/context.js';
import { rememberVerified, tokenCacheUsage, TOKEN_CACHE_MAX_CHARS, TOKEN_CACHE_MAX_ENTRIES } from '../dist/token-cache.js';

const TOKENS = Number(process.env.BENCH_MEMORY_TOKENS ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const scopes = [{}, {}, {}]; // three options objects, as three differently protected routes would have
const key = {};
const padding = 'A'.repeat(600);
const bigPadding = 'B'.repeat(7700);

const heap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const before = heap();
const started = performance.now();
let peak = 0;
for (let i = 0; i < TOKENS; i++) {
  const big = i % 10 === 0;
  // the count at the end, where a signature's random bytes are: the cache keys a token by its last characters
  const token = `eyJhbGciOiJFUzM4NCIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImtleSJ9.${big ? bigPadding : padding}.${i.toString(36).padStart(8, '0')}`;
  const payload = JSON.parse(`{"iss":"https://tenant.logto.app/oidc","aud":"https://api.example.com","sub":"user_${i}","iat":1700000000,"exp":1700003600,"scope":"read:data write:data","client_id":"app_abc","jti":"${i}-jti"}`);
  rememberVerified(scopes[i % scopes.length]!, token, contextOf(payload), key);
  if (i % 100_000 === 99_999) peak = Math.max(peak, heap() - before);
}
const elapsed = performance.now() - started;
const after = heap();
const usage = tokenCacheUsage();
console.log(`Machine: Node ${process.version}`);
console.log(`| tokens inserted | entries held (max ${TOKEN_CACHE_MAX_ENTRIES}) | token chars held (max ${TOKEN_CACHE_MAX_CHARS}) | heap before | heap after | growth | largest growth seen (every 100k) | time |`);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
console.log(`| ${TOKENS.toLocaleString('en-US')} | ${usage.entries} | ${usage.chars.toLocaleString('en-US')} | ${mb(before)} | ${mb(after)} | ${mb(after - before)} | ${mb(peak)} | ${(elapsed / 1000).toFixed(1)} s |`);
if (usage.entries > TOKEN_CACHE_MAX_ENTRIES || usage.chars > TOKEN_CACHE_MAX_CHARS) {
  console.error('the bound did not hold');
  process.exit(1);
}
