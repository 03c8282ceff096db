// The Hono adapter's exports in scope.
import { Hono } from 'hono';
import { createHonoAuthMiddleware, resourceMetadataHandler, resourceMetadataPath, requireScopes, requireOrganization, type AuthEnv } from 'logto-authkit/hono';
