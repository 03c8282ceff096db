/**
 * The example app uses the repository root's node_modules (next, react) and
 * imports `logto-authkit/next` by package self-reference: the nearest
 * package.json above this folder is the library's own, whose `exports` map
 * `./next` to `dist/next.js`, as an installed copy would.
 * @type {import('next').NextConfig}
 */
const config = {
  // no ESLint is installed; the library's own checks live in the repository
  eslint: { ignoreDuringBuilds: true },
};

export default config;
