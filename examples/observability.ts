// Ready recipes for the `onEvent` hook: Prometheus (prom-client) and
// OpenTelemetry (@opentelemetry/api). Copy the one you need; in your app,
// import the types from 'logto-authkit'. spec/examples/observability.spec.ts
// runs both against real verifications, so they cannot rot.
//
//   const onEvent = prometheusAuthEvents(register);           // prom-client's default registry
//   app.use(createExpressAuthMiddleware({ logtoUrl, audience, onEvent }));
import { metrics, trace, type Meter } from '@opentelemetry/api';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { AuthEvent } from '../lib/events.ts';

/** Prometheus: counters per outcome and a histogram of JWKS request durations. */
export function prometheusAuthEvents(registry: Registry): (event: AuthEvent) => void {
  const registers = [registry];
  const verified = new Counter({ name: 'logto_authkit_verified_total', help: 'Tokens accepted', labelNames: ['cached'], registers });
  // code and stage are small fixed sets: safe as labels (never put sub or detail in a label)
  const rejected = new Counter({ name: 'logto_authkit_rejected_total', help: 'Requests refused', labelNames: ['code', 'stage'], registers });
  const jwksFetch = new Histogram({ name: 'logto_authkit_jwks_fetch_seconds', help: 'JWKS requests', labelNames: ['ok', 'reason'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers });
  const staleServed = new Counter({ name: 'logto_authkit_jwks_stale_served_total', help: 'Requests answered with keys past jwksCacheTtl', registers });
  const backoff = new Counter({ name: 'logto_authkit_jwks_backoff_total', help: 'JWKS failures with nothing usable cached', registers });
  const storeErrors = new Counter({ name: 'logto_authkit_store_errors_total', help: 'Shared store failures', labelNames: ['operation'], registers });
  const revoked = new Counter({ name: 'logto_authkit_token_revoked_total', help: 'Verified tokens refused as revoked', labelNames: ['by'], registers });
  return (event) => {
    switch (event.type) {
      case 'verified':
        return verified.inc({ cached: String(event.cached) });
      case 'rejected':
        return rejected.inc({ code: event.code, stage: event.stage });
      case 'jwks-fetched':
        return jwksFetch.observe({ ok: String(event.ok), reason: event.reason }, event.durationMs / 1000);
      case 'jwks-stale-served':
        return staleServed.inc();
      case 'jwks-backoff':
        return backoff.inc();
      case 'store-error':
        return storeErrors.inc({ operation: event.operation });
      case 'token-revoked':
        return revoked.inc({ by: event.by });
    }
  };
}

/**
 * OpenTelemetry: the same counters through a Meter, and each verdict as an
 * event on the active span (the request's span from your HTTP
 * instrumentation), so a trace shows why a request was refused.
 */
export function openTelemetryAuthEvents(meter: Meter = metrics.getMeter('logto-authkit')): (event: AuthEvent) => void {
  const verifications = meter.createCounter('logto_authkit.verifications', { description: 'Token verdicts' });
  const jwksFetch = meter.createHistogram('logto_authkit.jwks.fetch.duration', { description: 'JWKS requests', unit: 'ms' });
  const jwksTrouble = meter.createCounter('logto_authkit.jwks.trouble', { description: 'Stale keys served and backoffs' });
  const storeErrors = meter.createCounter('logto_authkit.store.errors', { description: 'Shared store failures' });
  return (event) => {
    switch (event.type) {
      case 'verified':
        verifications.add(1, { result: 'verified', cached: event.cached });
        trace.getActiveSpan()?.addEvent('logto-authkit.verified', { cached: event.cached });
        return;
      case 'rejected':
        verifications.add(1, { result: 'rejected', code: event.code, stage: event.stage });
        trace.getActiveSpan()?.addEvent('logto-authkit.rejected', { code: event.code, stage: event.stage, message: event.message });
        return;
      case 'jwks-fetched':
        return jwksFetch.record(event.durationMs, { ok: event.ok, reason: event.reason });
      case 'jwks-stale-served':
      case 'jwks-backoff':
        return jwksTrouble.add(1, { type: event.type });
      case 'store-error':
        return storeErrors.add(1, { operation: event.operation });
      case 'token-revoked':
        return verifications.add(1, { result: 'revoked', by: event.by });
    }
  };
}
