/**
 * A Next 16 app that imports `logto-authkit/next` by package self-reference:
 * the nearest package.json above this folder is the library's own, whose
 * `exports` map `./next` to `dist/adapters/next.js`, as an installed copy
 * would. `next` resolves to Next 16 through node_modules/next, a link the e2e
 * helper makes to the repository's `next16` alias.
 * @type {import('next').NextConfig}
 */
const config = {};

export default config;
