import { headers } from 'next/headers';

// reached only through the middleware, which verified the token and set these
export async function GET() {
  const incoming = await headers();
  return Response.json({ userId: incoming.get('x-auth-user'), runtime: incoming.get('x-auth-runtime') });
}
