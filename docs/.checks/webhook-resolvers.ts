// The webhook handler's inputs, and the lookups an application writes for its resolvers.
import { createNodeLogtoWebhookHandler, type ChangedRole } from 'logto-authkit';
declare const signingKey: string;
declare const listHolders: (type: ChangedRole['type'], id: string) => Promise<string[] | undefined>;
declare const SCOPE_NAMES: Record<string, string>;
