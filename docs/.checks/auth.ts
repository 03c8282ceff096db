// A verified token and the context verification made of it.
import type { AuthenticatedContext } from 'logto-authkit';
declare const token: string;
declare const auth: AuthenticatedContext;
