// An Express API whose auth options come from outside: production passes the
// tenant's, tests pass the test issuer's (`issuer.options`).
const express = require('express');
const { createExpressAuthMiddleware, requireScopes } = require('logto-authkit/express');

/** @param {import('logto-authkit').VerifyAuthOptions} auth */
function createApp(auth) {
  const app = express();
  app.get(
    '/api/data',
    createExpressAuthMiddleware(auth), // guard
    requireScopes('read:data'), // guard
    (/** @type {import('express').Request & import('logto-authkit/express').WithAuth} */ req, res) => res.json({ userId: req.auth?.userId ?? null }),
  );
  return app;
}

module.exports = { createApp };
