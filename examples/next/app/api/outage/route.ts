import { withAuth } from 'logto-authkit/next';
import { logtoOptions } from '../../../auth-options';

// a second Logto endpoint whose JWKS is down: requests get 503 JWKS_UNAVAILABLE
export const GET = withAuth((request, auth) => Response.json({ userId: auth.userId }), {
  ...logtoOptions,
  logtoUrl: process.env.LOGTO_OUTAGE_URL ?? '',
});
