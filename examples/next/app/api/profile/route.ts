import { withAuth } from 'logto-authkit/next';
import { logtoOptions } from '../../../auth-options';

export const GET = withAuth((request, auth) => Response.json({ userId: auth.userId, scope: auth.payload?.scope }), {
  ...logtoOptions,
  requiredScope: 'read:data',
});
