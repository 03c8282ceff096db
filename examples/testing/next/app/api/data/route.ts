// A Next.js App Router route handler, configured from the environment as a deployed app is.
import { withAuth } from 'logto-authkit/next';

export const GET = withAuth(async (_request, auth) => Response.json({ userId: auth.userId }), {
  logtoUrl: process.env.LOGTO_URL!,
  audience: process.env.LOGTO_AUDIENCE!,
  requiredScope: 'read:data', // guard
});
