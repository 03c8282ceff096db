/**
 * The Next 16 app bench/next.ts builds and drives: two routes that answer the
 * same small JSON, one without auth (the ceiling) and one behind `withAuth`,
 * and /api/cpu, the server's own CPU time. Like examples/next16, it imports
 * `logto-authkit/next` by package self-reference (dist/, as an installed copy
 * would), and `next` resolves to Next 16 through the copy's node_modules/next.
 * @type {import('next').NextConfig}
 */
const config = {};

export default config;
