// The ceiling: the same answer as /api/ours, without auth.
// force-dynamic on every route: none of them may be answered from a build-time render
export const dynamic = 'force-dynamic';

export async function GET() {
  return Response.json({ ok: true, sub: null });
}
