// Ours: withAuth from logto-authkit/next, the options from the bench's
// environment (bench/next.ts sets them for `next build` and `next start`).
import { withAuth } from 'logto-authkit/next';

export const dynamic = 'force-dynamic';

export const GET = withAuth(async (_request, auth) => Response.json({ ok: true, sub: auth.userId }), {
  logtoUrl: process.env.BENCH_LOGTO_URL,
  audience: process.env.BENCH_AUDIENCE,
});
