/**
 * A Next 16 app built once without the Logto variables and configured when it
 * starts: `withAuth` gets its options as a function, read at the first request.
 * It imports `logto-authkit/next` by package self-reference, as examples/next16 does.
 * @type {import('next').NextConfig}
 */
const config = {};

export default config;
