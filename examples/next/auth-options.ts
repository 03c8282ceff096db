// Options every route shares, from the environment: the Logto endpoint and the
// API resource indicator this app accepts tokens for. `withAuth` checks them
// when a route module loads, and `next build` loads every route: set them at
// build time too.
import type { VerifyAuthOptions } from 'logto-authkit';

export const logtoOptions: VerifyAuthOptions = {
  logtoUrl: process.env.LOGTO_URL ?? '',
  audience: process.env.LOGTO_AUDIENCE ?? '',
};
