// The Fastify adapter's exports in scope.
import Fastify from 'fastify';
import { createFastifyAuthHook, fastifyLogtoAuth, resourceMetadataHandler, resourceMetadataPath, requireScopes, requireOrganization } from 'logto-authkit/fastify';
