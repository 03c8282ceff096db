// A Koa app with the Koa adapter's exports in scope, and a router of public routes.
import type Koa from 'koa';
import Router from '@koa/router';
import { createKoaAuthMiddleware, requireScopes, type AuthState } from 'logto-authkit/koa';
declare const app: Koa<AuthState>;
declare const publicRouter: Router;
