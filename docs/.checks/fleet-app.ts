// What the fleet blocks share: an Express app, a connected node-redis client,
// a logger, and values taken from a verified token.
import type express from 'express';
import type { createClient } from 'redis';
import type { JWTPayload } from 'logto-authkit';
declare const app: express.Express;
declare const nodeRedis: ReturnType<typeof createClient>;
declare const log: (event: unknown) => void;
declare const payload: JWTPayload;
declare const sub: string, jti: string, exp: number, sid: string, id: string, ttlMs: number;
