// The control for the rotation route: a plain fetch of the same JWKS, with the
// same segment setting, is answered from Next's data cache after the first time.
export const fetchCache = 'default-cache';

export async function GET() {
  const response = await fetch(`${process.env.LOGTO_ROTATION_URL}/oidc/jwks`);
  const { keys } = (await response.json()) as { keys: Array<{ kid: string }> };
  return Response.json({ kids: keys.map((key) => key.kid) });
}
