// app/api/profile/route.ts (Next 16, options read at run time)
import { withAuth } from 'logto-authkit/next';

// a function: `next build` loads this module without calling it, so the image
// needs LOGTO_URL and LOGTO_AUDIENCE only where it runs
export const GET = withAuth(
  async (_request, auth) => Response.json({ userId: auth.userId }),
  () => ({ logtoUrl: process.env.LOGTO_URL!, audience: process.env.LOGTO_AUDIENCE!, requiredScope: 'read:data' }),
);
