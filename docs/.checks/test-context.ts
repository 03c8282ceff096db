// Inside a node:test test: its context `t`, and the test kit.
import type { TestContext } from 'node:test';
import { createTestIssuer } from 'logto-authkit/testing';
declare const t: TestContext;
