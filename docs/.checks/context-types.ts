// The types the context guide names, and a request of each framework, for a
// block that shows each framework's typing side by side.
import type express from 'express';
import type { FastifyRequest } from 'fastify';
import type { NextRequest } from 'next/server';
import { Hono } from 'hono';
import { verifyLogtoToken, type Authenticated, type AuthenticatedContext, type AuthenticatedEnv } from 'logto-authkit';
import { withAuth } from 'logto-authkit/next';
declare const token: string;
declare const options: { logtoUrl: string; audience: string };
declare const req: express.Request;
declare const request: FastifyRequest;
