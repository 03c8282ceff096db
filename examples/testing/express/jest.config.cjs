// Jest runs CommonJS here; `logto-authkit/testing` has a require() entry too.
module.exports = { testEnvironment: 'node', testMatch: ['**/*.test.cjs'] };
