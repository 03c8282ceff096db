// Shared settings for the property tests. `npm test` runs a small sample;
// `FUZZ_RUNS=<n>` runs n cases per property (the dedicated fuzz run), and
// `FUZZ_SEED=<n>` replays another seed. The seed is fixed so a failure is
// reproducible, and every property prints it with its run count.
import fc from 'fast-check';
import type { TestContext } from 'node:test';
import { AUTH_ERROR_STATUS, AuthError } from '../../lib/errors.ts';

export const FUZZ_SEED = process.env.FUZZ_SEED === undefined ? 0x10970 : Number(process.env.FUZZ_SEED);
const fuzzRuns = process.env.FUZZ_RUNS === undefined ? undefined : Number(process.env.FUZZ_RUNS);
if (!Number.isSafeInteger(FUZZ_SEED)) throw new TypeError('FUZZ_SEED must be an integer');
if (fuzzRuns !== undefined && !(Number.isSafeInteger(fuzzRuns) && fuzzRuns > 0)) throw new TypeError('FUZZ_RUNS must be a positive integer');

/** Runs per property: the sample size in `npm test`, or FUZZ_RUNS when set. */
export function runs(sample: number): number {
  return fuzzRuns ?? sample;
}

/**
 * Checks a property with the fixed seed and reports seed and counts as test
 * diagnostics. With `redact`, a failure reports seed, path and the assertion
 * message only, never the counterexample (it would be a token).
 */
export async function checkProperty<T>(
  t: TestContext,
  property: fc.IProperty<T> | fc.IAsyncProperty<T>,
  { numRuns, redact = false, summary }: { numRuns: number; redact?: boolean; summary?: () => string },
): Promise<void> {
  const started = performance.now();
  const details = await fc.check(property as fc.IAsyncProperty<T>, { seed: FUZZ_SEED, numRuns });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  t.diagnostic(`seed ${FUZZ_SEED}: ${details.numRuns} runs, ${details.numSkips} skipped, ${seconds} s${summary ? `; ${summary()}` : ''}`);
  if (!details.failed) return;
  if (!redact) throw new Error(fc.defaultReportMessage(details) ?? 'property failed');
  const reason = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(`property failed after ${details.numRuns} runs (seed ${details.seed}, path "${details.counterexamplePath}"): ${reason}`);
}

/** Codes a forged or mangled token may get: never a claim-based one, since the signature comes first. */
export const FORGERY_CODES: ReadonlySet<string> = new Set(['TOKEN_MALFORMED', 'TOKEN_TYPE_INVALID', 'ALGORITHM_NOT_ALLOWED', 'KEY_NOT_FOUND', 'SIGNATURE_INVALID']);

/** Every code in the contract's table. */
export const CONTRACT_CODES: ReadonlySet<string> = new Set(Object.keys(AUTH_ERROR_STATUS));

/**
 * Asserts `error` is an `AuthError` with a code from `allowed`, the contract's
 * status for it, and a message that carries none of `secrets`. The failure
 * message names the error's class and code only, never its text.
 */
export function assertAuthError(error: unknown, allowed: ReadonlySet<string>, secrets: readonly string[] = []): AuthError {
  if (!(error instanceof AuthError)) {
    throw new Error(`a foreign exception escaped: ${(error as Error | undefined)?.constructor?.name ?? typeof error}`);
  }
  if (!allowed.has(error.code)) throw new Error(`unexpected code ${error.code}`);
  if (error.status !== AUTH_ERROR_STATUS[error.code]) throw new Error(`status ${error.status} for ${error.code}`);
  if (secrets.some((secret) => error.message.includes(secret))) throw new Error(`the ${error.code} message carries the token`);
  return error;
}

/** Counts outcomes by label for the diagnostic line. */
export function tally(): { add(label: string): void; toString(): string } {
  const counts = new Map<string, number>();
  return {
    add: (label) => void counts.set(label, (counts.get(label) ?? 0) + 1),
    toString: () => [...counts].sort((a, b) => b[1] - a[1]).map(([label, n]) => `${label} ${n}`).join(', '),
  };
}
