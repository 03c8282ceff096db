/**
 * Command-line parsing for the CLI, on `node:util` `parseArgs`.
 * @module
 */
import { parseArgs } from 'node:util';

/** A mistake in how the CLI was called; exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CliArgs {
  command: 'inspect' | 'verify' | undefined;
  /** The token argument, `-` for stdin, or undefined. */
  token: string | undefined;
  help: boolean;
  version: boolean;
  json: boolean;
  tokenEnv: string | undefined;
  logtoUrl: string | undefined;
  audience: string[];
  scope: string[];
  issuer: string[];
  jwksUri: string | undefined;
  clockTolerance: string | undefined;
  algorithms: string[];
  organization: string[];
  anyOrganization: boolean;
}

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  json: { type: 'boolean' },
  'token-env': { type: 'string' },
  'logto-url': { type: 'string' },
  audience: { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  issuer: { type: 'string', multiple: true },
  'jwks-uri': { type: 'string' },
  'clock-tolerance': { type: 'string' },
  algorithms: { type: 'string', multiple: true },
  organization: { type: 'string', multiple: true },
  'any-organization': { type: 'boolean' },
} as const;

/** Options only `verify` reads; `inspect` refuses them rather than ignore them. */
const VERIFY_ONLY = ['logto-url', 'audience', 'scope', 'issuer', 'jwks-uri', 'clock-tolerance', 'algorithms', 'organization', 'any-organization'] as const;

/** Parses `argv` (without `node` and the script). Throws `UsageError`. */
export function parseCli(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const { values, positionals } = parsed;
  const [command, token, ...extra] = positionals;
  if (command !== undefined && command !== 'inspect' && command !== 'verify' && command !== 'help') {
    // never repeated: what stands where the command should be is often the token itself
    throw new UsageError('unknown command (not repeated here, in case it is a token): use inspect or verify, e.g. logto-authkit inspect -');
  }
  if (extra.length > 0) throw new UsageError('too many arguments: give at most one token');
  if (command === 'inspect') {
    const misplaced = VERIFY_ONLY.find((name) => values[name] !== undefined);
    if (misplaced) throw new UsageError(`--${misplaced} is a verify option; inspect checks nothing`);
  }
  if (values.organization && values['any-organization']) throw new UsageError('pass either --organization or --any-organization, not both');
  return {
    command: command === 'help' ? undefined : command,
    token,
    help: values.help === true || command === 'help',
    version: values.version === true,
    json: values.json === true,
    tokenEnv: values['token-env'],
    logtoUrl: values['logto-url'],
    audience: values.audience ?? [],
    // `--scope "read write"` and `--scope read,write` mean two scopes, as in a token's `scope`
    scope: splitList(values.scope, /[\s,]+/),
    issuer: values.issuer ?? [],
    jwksUri: values['jwks-uri'],
    clockTolerance: values['clock-tolerance'],
    algorithms: splitList(values.algorithms, /[\s,]+/),
    organization: values.organization ?? [],
    anyOrganization: values['any-organization'] === true,
  };
}

function splitList(values: string[] | undefined, separator: RegExp): string[] {
  return (values ?? []).flatMap((value) => value.split(separator)).filter((item) => item !== '');
}

// parseArgs quotes the offending argument in its message; an argument may be a
// token that starts with "-" (opaque tokens can), so only a short option-like name is repeated
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^']*)'/.exec(message)?.[1];
  const code = (error as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${quoteShort(option)} (a token that starts with "-" goes after --)`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `option ${quoteShort(option?.split(' ')[0])} needs a value`;
  return 'could not parse the arguments; see --help';
}

function quoteShort(value: string | undefined): string {
  return value !== undefined && /^[\w:+-]{1,32}$/.test(value) ? value : '(not shown)';
}
