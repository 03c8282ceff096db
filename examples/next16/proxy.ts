// proxy.ts (Next 16: Node runtime)
import { NextResponse, type NextRequest } from 'next/server';
import { protectRequest } from 'logto-authkit/next';

const options = { logtoUrl: process.env.LOGTO_URL!, audience: process.env.LOGTO_AUDIENCE!, requiredScope: 'read:data' };
const guestOptions = { ...options, allowGuest: true };

export function proxy(request: NextRequest) {
  const guest = request.nextUrl.pathname.startsWith('/api/public/');
  return protectRequest(request, guest ? guestOptions : options, () => NextResponse.next());
}
export const config = { matcher: ['/api/private/:path*', '/api/public/:path*'] };
