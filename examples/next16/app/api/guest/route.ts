// app/api/guest/route.ts
import { withAuth } from 'logto-authkit/next';

// a visitor without a (valid) token gets a guest id, kept in a cookie withAuth sets
export const GET = withAuth((request, auth) => Response.json({ isGuest: auth.isGuest === true, guestId: auth.guestId ?? null, userId: auth.userId }), {
  logtoUrl: process.env.LOGTO_URL!,
  audience: process.env.LOGTO_AUDIENCE!,
  allowGuest: true,
});
