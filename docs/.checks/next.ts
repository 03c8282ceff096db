// A Next.js route module with the Next adapter's exports in scope.
import { withAuth, requireScopes, requireOrganization, resourceMetadataHandler } from 'logto-authkit/next';
