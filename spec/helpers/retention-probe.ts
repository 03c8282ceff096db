// Run as `node --expose-gc --import tsx spec/helpers/retention-probe.ts <scenario>`
// (spec/helpers/retained-heap.ts does): cuts tokens out of large Cookie headers
// the way a request does, hands them to one of the library's caches, drops every
// reference to the headers, and prints how much heap is still held afterwards.
import { parseCompact } from '../../lib/jose/jws.ts';
import { parseCookieHeader } from '../../lib/request/cookies.ts';
import { seenBefore } from '../../lib/token-cache.ts';

const exposedGc = (globalThis as { gc?: () => void }).gc;
if (!exposedGc) throw new Error('run with node --expose-gc');
const gc: () => void = exposedGc;

/** Characters of padding per Cookie header (one-byte string, so bytes). */
export const HEADER_PADDING_CHARS = 200_000;
const SCENARIOS: Record<string, { count: number; use: (token: string) => void }> = {
  // seenBefore notes the end of each distinct token
  'seen-once-notes': { count: 60, use: (token) => void seenBefore(token) },
  // the checked-header cache keeps each distinct header segment (at most 64)
  'checked-headers': { count: 60, use: (token) => void parseCompact(token) },
};

const scenario = SCENARIOS[process.argv[2] ?? ''];
if (!scenario) throw new Error(`unknown scenario ${process.argv[2]}`);

const base64url = (text: string) => Buffer.from(text).toString('base64url');
function tokenFor(i: number): string {
  return `${base64url(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: `kid-${i}` }))}.${base64url('{}')}.${base64url(`${'s'.repeat(40)}-signature-${i}`)}`;
}

// warm up module code and the caches' own structures before the baseline
scenario.use(tokenFor(-1));
function measure(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
const before = measure();
for (let i = 0; i < scenario.count; i++) {
  const header = `pad=${String(i).padEnd(HEADER_PADDING_CHARS, 'p')}; logto_authtoken=${tokenFor(i)}`;
  const token = parseCookieHeader(header).logto_authtoken!;
  scenario.use(token);
}
const retainedBytes = measure() - before;
process.stdout.write(JSON.stringify({ retainedBytes, headerBytes: scenario.count * HEADER_PADDING_CHARS }));
