// middleware.ts (Next 15: edge runtime)
import { NextResponse, type NextRequest } from 'next/server';
import { protectRequest } from 'logto-authkit/next';

const options = { logtoUrl: process.env.LOGTO_URL!, audience: process.env.LOGTO_AUDIENCE! };

export function middleware(request: NextRequest) {
  return protectRequest(request, options, (auth) => {
    request.headers.set('x-user-id', auth.userId ?? ''); // set here, never taken from the client
    return NextResponse.next({ request: { headers: request.headers } });
  });
}
export const config = { matcher: '/api/edge/:path*' };
