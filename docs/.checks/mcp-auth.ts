// The options of the MCP server, as the Express block before it writes them out.
import type { VerifyAuthOptions } from 'logto-authkit';
declare const auth: VerifyAuthOptions;
