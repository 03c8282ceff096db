// app/api/profile/route.ts (Next 16)
import type { NextRequest } from 'next/server';
import { withAuth } from 'logto-authkit/next';

export const GET = withAuth(
  async (request: NextRequest, auth) => Response.json({ userId: auth.userId, scope: auth.payload?.scope, path: request.nextUrl.pathname }),
  { logtoUrl: process.env.LOGTO_URL!, audience: process.env.LOGTO_AUDIENCE!, requiredScope: 'read:data' },
);
