// Jest's globals, as a CommonJS test file sees them.
const { beforeAll, test, expect } = require('@jest/globals');
