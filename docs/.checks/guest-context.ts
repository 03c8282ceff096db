// The context type, for a block that shows one.
import type { AuthContext } from 'logto-authkit';
