// behind proxy.ts: reached only with a token that has the read:data scope
export function GET() {
  return Response.json({ area: 'private' });
}
