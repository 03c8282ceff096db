// A revocation list and the store it keeps, made elsewhere.
import type { RevocationList, Store } from 'logto-authkit';
declare const revocation: RevocationList;
declare const store: Store;
