import { withAuth } from 'logto-authkit/next';
import { logtoOptions } from '../../../auth-options';

// a visitor without a (valid) token gets a guest id, kept in a cookie withAuth sets
export const GET = withAuth((request, auth) => Response.json({ isGuest: auth.isGuest === true, guestId: auth.guestId ?? null, userId: auth.userId }), {
  ...logtoOptions,
  allowGuest: true,
});
