// An Express app with the Express adapter's exports in scope, and a handler to protect.
import express from 'express';
import {
  createExpressAuthMiddleware,
  resourceMetadataHandler,
  resourceMetadataPath,
  claimIncludes,
  requireScopes,
  requireAnyScope,
  requireOrganization,
  requireClaims,
  requireActor,
  forbidActor,
  guard,
} from 'logto-authkit/express';
declare const app: express.Express;
declare const handler: express.RequestHandler;
