import { headers } from 'next/headers';

// reached only through the middleware, which verified the token and set x-user-id
export async function GET() {
  const incoming = await headers();
  return Response.json({ userId: incoming.get('x-user-id') });
}
