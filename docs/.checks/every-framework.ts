// One app per framework, for a block that shows the same options in each.
import type express from 'express';
import type { Hono } from 'hono';
import type { FastifyInstance } from 'fastify';
import { createExpressAuthMiddleware } from 'logto-authkit/express';
import { withAuth } from 'logto-authkit/next';
import { createHonoAuthMiddleware } from 'logto-authkit/hono';
import { fastifyLogtoAuth } from 'logto-authkit/fastify';
declare const expressApp: express.Express;
declare const honoApp: Hono;
declare const fastifyApp: FastifyInstance;
