// A test issuer, made as the guide shows above.
import type { TestIssuer } from 'logto-authkit/testing';
declare const issuer: TestIssuer;
