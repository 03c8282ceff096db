// behind proxy.ts in guest mode: reached by users and guests alike
export function GET() {
  return Response.json({ area: 'public' });
}
