// An onEvent hook for specs: records every event and waits for the ones a
// background task (a JWKS refresh, a store write) reports, on the real clock,
// so a missing event fails the spec instead of hanging it.
import type { AuthEvent } from '../../lib/events.ts';

export interface EventRecorder {
  events: AuthEvent[];
  onEvent: (event: AuthEvent) => void;
  count(type: AuthEvent['type']): number;
  /** Resolves once `wanted` events of `type` have arrived (rejects after 10 s of real time). */
  until(type: AuthEvent['type'], wanted: number): Promise<void>;
  types(): AuthEvent['type'][];
}

const WAIT_MS = 10_000;

export function recordEvents(): EventRecorder {
  const events: AuthEvent[] = [];
  const waiters: (() => void)[] = [];
  const count = (type: AuthEvent['type']) => events.filter((event) => event.type === type).length;
  return {
    events,
    onEvent: (event) => {
      events.push(event);
      for (const wake of waiters.splice(0)) wake();
    },
    count,
    async until(type, wanted) {
      while (count(type) < wanted) {
        await new Promise<void>((resolve, reject) => {
          waiters.push(resolve);
          setTimeout(() => reject(new Error(`waited for ${wanted} ${type} events, got ${count(type)}`)), WAIT_MS).unref();
        });
      }
    },
    types: () => events.map((event) => event.type),
  };
}
