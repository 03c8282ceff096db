/**
 * `logto-authkit token`: asks a running `logto-authkit issuer` for an access
 * token and prints it (that is its point), nothing else on stdout, so
 * `TOKEN=$(npx logto-authkit token ...)` works. The issuer keeps its key; the
 * token comes from its loopback-only mint endpoint.
 * @module
 */
import { parseArgs } from 'node:util';
import { UsageError } from './args.ts';
import { DEFAULT_LOCAL_LOGTO_URL } from './issuer.ts';

export const TOKEN_HELP = `logto-authkit token: an access token from a running \`logto-authkit issuer\`

Usage
  logto-authkit token [--scope S]... [--sub ID] [--organization ID] [--audience AUD] [--machine]

  --scope S            granted scope; repeat, or "a b" / "a,b" (none: no scope claim, as Logto)
  --sub ID             the user (default: the issuer's test user)
  --organization ID    an organization token (aud urn:logto:organization:ID); with
                       --audience, an organization-level API token (organization_id)
  --audience AUD       API resource indicator (default: the issuer's)
  --machine            a machine-to-machine token: sub = client_id (--sub names the app)
  --expires-in SEC     lifetime (default 3600)
  --logto-url URL      the issuer (default $LOGTO_URL, else ${DEFAULT_LOCAL_LOGTO_URL})`;

/** Prints one token; resolves with the exit code. */
export async function runToken(argv: string[], out: (text: string) => void, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parse(argv);
  if (values.help) {
    out(TOKEN_HELP);
    return 0;
  }
  const logtoUrl = (values['logto-url'] ?? env.LOGTO_URL ?? DEFAULT_LOCAL_LOGTO_URL).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(logtoUrl)) throw new UsageError('--logto-url must be an http(s) URL');
  const expiresIn = values['expires-in'] === undefined ? undefined : Number(values['expires-in']);
  if (expiresIn !== undefined && !(Number.isInteger(expiresIn) && expiresIn > 0)) throw new UsageError('--expires-in must be a positive number of seconds');
  const scope = (values.scope ?? []).flatMap((value) => value.split(/[\s,]+/)).filter((item) => item !== '');
  let response: Response;
  try {
    response = await fetch(`${logtoUrl}/__authkit/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: values.sub, scope, organization: values.organization, audience: values.audience, machine: values.machine === true, expiresIn }),
    });
  } catch {
    process.stderr.write(`logto-authkit: no local issuer answers at ${logtoUrl}; start one with: npx logto-authkit issuer\n`);
    return 1;
  }
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string };
  if (!response.ok || typeof body.access_token !== 'string') {
    process.stderr.write(`logto-authkit: the issuer at ${logtoUrl} refused (${response.status}${body.error ? ` ${body.error}` : ''}); is it a logto-authkit issuer?\n`);
    return 1;
  }
  out(body.access_token);
  return 0;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        help: { type: 'boolean', short: 'h' },
        scope: { type: 'string', multiple: true },
        sub: { type: 'string' },
        organization: { type: 'string' },
        audience: { type: 'string' },
        machine: { type: 'boolean' },
        'expires-in': { type: 'string' },
        'logto-url': { type: 'string' },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch {
    throw new UsageError('token: unknown option or missing value; see logto-authkit token --help');
  }
}
