// app/api/session/route.ts (Next 16)
import { verifyNextAuth } from 'logto-authkit/next';

export async function GET(request: Request) {
  const result = await verifyNextAuth(request, { logtoUrl: process.env.LOGTO_URL!, audience: process.env.LOGTO_AUDIENCE!, allowGuest: true });
  if (!result.success) return Response.json({ error: result.code, message: result.error }, { status: result.status });
  const response = Response.json({ userId: result.auth.userId, guestId: result.auth.guestId ?? null, newGuestId: result.newGuestId });
  if (result.setCookie) response.headers.append('set-cookie', result.setCookie);
  return response;
}
