import { withAuth } from 'logto-authkit/next';
import { logtoOptions } from '../../../auth-options';

// Next's data cache answers every fetch in this segment that names no cache
// option; only the library's own `cache: 'no-store'` keeps its JWKS fresh.
export const fetchCache = 'default-cache';

export const GET = withAuth((request, auth) => Response.json({ userId: auth.userId }), {
  ...logtoOptions,
  logtoUrl: process.env.LOGTO_ROTATION_URL ?? '',
});
