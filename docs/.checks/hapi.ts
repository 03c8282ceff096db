// A Hapi server and a route handler to protect.
import type Hapi from '@hapi/hapi';
declare const server: Hapi.Server;
declare const handler: Hapi.Lifecycle.Method;
