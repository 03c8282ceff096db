// The README's recipes (examples/observability.ts) wired to real
// verifications: Prometheus through a prom-client registry, OpenTelemetry
// through a recording Meter. If an event changes shape, this fails.
import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import type { Meter } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { openTelemetryAuthEvents, prometheusAuthEvents } from '../../examples/observability.ts';
import type { AuthEvent } from '../../lib/events.ts';
import { clearJwksCache } from '../../lib/keys/jwks-cache.ts';
import { clearTokenCache } from '../../lib/token-cache.ts';
import { verifyLogtoToken } from '../../lib/verify.ts';
import { startJwksServer } from '../helpers/jwks-server.ts';
import { makeKey, mint } from '../helpers/keys.ts';

const AUDIENCE = 'https://api.observability.test';
const key = await makeKey('ES256', 'observability');
const server = await startJwksServer([key.publicJwk]);
after(() => server.close());
beforeEach(() => {
  clearJwksCache();
  clearTokenCache();
});

/** One good token verified three times (the third from the token cache), one expired token. */
async function traffic(onEvent: (event: AuthEvent) => void): Promise<void> {
  const options = { logtoUrl: server.logtoUrl, audience: AUDIENCE, onEvent };
  const good = await mint(key, { iss: server.issuer, aud: AUDIENCE });
  for (let i = 0; i < 3; i++) await verifyLogtoToken(good, options);
  await assert.rejects(verifyLogtoToken(await mint(key, { iss: server.issuer, aud: AUDIENCE, expiresIn: -60 }), options), { code: 'TOKEN_EXPIRED' });
}

test('the Prometheus recipe counts verdicts by label and times the JWKS fetch', async () => {
  const registry = new Registry();
  await traffic(prometheusAuthEvents(registry));
  const metrics = Object.fromEntries((await registry.getMetricsAsJSON()).map((metric) => [metric.name, metric.values]));
  assert.deepEqual(metrics.logto_authkit_verified_total!.map((value) => [value.labels.cached, value.value]).sort(), [['false', 2], ['true', 1]]);
  assert.deepEqual(metrics.logto_authkit_rejected_total!.map((value) => [value.labels, value.value]), [[{ code: 'TOKEN_EXPIRED', stage: 'claims' }, 1]]);
  const count = metrics.logto_authkit_jwks_fetch_seconds!.find((value) => (value as { metricName?: string }).metricName === 'logto_authkit_jwks_fetch_seconds_count');
  assert.deepEqual([count?.labels, count?.value], [{ ok: 'true', reason: 'cold' }, 1]);
});

test('the OpenTelemetry recipe records the same verdicts through a Meter', async () => {
  const recorded: [string, number, Record<string, unknown> | undefined][] = [];
  const instrument = (name: string) => ({
    add: (value: number, attributes?: Record<string, unknown>) => void recorded.push([name, value, attributes]),
    record: (value: number, attributes?: Record<string, unknown>) => void recorded.push([name, value, attributes]),
  });
  const meter = { createCounter: instrument, createHistogram: instrument } as unknown as Meter;
  await traffic(openTelemetryAuthEvents(meter));
  const verdicts = recorded.filter(([name]) => name === 'logto_authkit.verifications').map(([, , attributes]) => attributes);
  assert.deepEqual(verdicts, [
    { result: 'verified', cached: false },
    { result: 'verified', cached: false },
    { result: 'verified', cached: true },
    { result: 'rejected', code: 'TOKEN_EXPIRED', stage: 'claims' },
  ]);
  const fetches = recorded.filter(([name]) => name === 'logto_authkit.jwks.fetch.duration');
  assert.deepEqual(fetches.map(([, , attributes]) => attributes), [{ ok: true, reason: 'cold' }]);
});
