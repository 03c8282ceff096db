import { NextResponse, type NextRequest } from 'next/server';
import { verifyNextAuth } from 'logto-authkit/next';
import { issuerOptions, logtoOptions } from './auth-options';

// middleware runs in the edge runtime (Next 15's default for middleware)
export const config = { matcher: ['/api/edge/:path*', '/api/edge-logto/:path*'] };

export async function middleware(request: NextRequest) {
  // /api/edge-logto/* trusts the Logto-shaped issuer the e2e spec runs (real node-oidc-provider tokens)
  const options = request.nextUrl.pathname.startsWith('/api/edge-logto/') ? issuerOptions : logtoOptions;
  const result = await verifyNextAuth(request, options);
  if (!result.success) return NextResponse.json({ error: result.code, message: result.error }, { status: result.status });
  // the route trusts these headers, so they are always overwritten here, never passed through
  const headers = new Headers(request.headers);
  headers.set('x-auth-user', result.auth.userId ?? '');
  headers.set('x-auth-runtime', typeof (globalThis as { EdgeRuntime?: unknown }).EdgeRuntime === 'string' ? 'edge' : 'node');
  return NextResponse.next({ request: { headers } });
}
