// The MCP conformance suite (@modelcontextprotocol/conformance, its own client)
// against examples/mcp/whoami-express.ts protected by this library, over real
// HTTP on 127.0.0.1 with a real token from the embedded issuer. The suite's
// client sends no token of its own, so it runs twice: through a loopback
// gateway that adds the Bearer token (every scenario must pass: our auth lets a
// good token through without breaking the protocol), and straight at the
// server (every scenario must fail: nothing is served without a token). The
// suite needs Node 22 (fs.globSync); it runs under the Bun the repo already
// has as a dev dependency.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { whoamiApp } from '../../examples/mcp/whoami-express.ts';
import { startLogtoIssuer, type LogtoIssuer } from '../helpers/logto-issuer.ts';
import { freePort } from '../helpers/next-app.ts';

/** The server scenarios the example implements (the rest need prompts, resources, sampling... an MCP server's own features, not its auth). */
const SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'tools-call-simple-text'];
const SUITE = 'node_modules/@modelcontextprotocol/conformance/dist/index.js';
const BUN = 'node_modules/.bin/bun';

let logto: LogtoIssuer;
let server: Server;
let gateway: Server;
let mcpUrl: string;
let gatewayUrl: string;
const outputs: string[] = [];

before(async () => {
  const port = await freePort();
  mcpUrl = `http://127.0.0.1:${port}/mcp`;
  logto = await startLogtoIssuer({ audience: mcpUrl, scopes: ['read:profile', 'write:profile'] });
  const app = whoamiApp(logto.logtoUrl, mcpUrl);
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(port, '127.0.0.1', () => resolve(listening));
  });
  const token = await logto.getToken({ scope: 'read:profile' });
  // a loopback gateway, as an MCP host with a token would be: forwards every request with the Bearer token added
  gateway = createServer((req, res) => {
    const forwarded = httpRequest({ host: '127.0.0.1', port, path: req.url, method: req.method, headers: { ...req.headers, host: `127.0.0.1:${port}`, authorization: `Bearer ${token}` } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  gatewayUrl = `http://127.0.0.1:${(gateway.address() as { port: number }).port}/mcp`;
});

after(async () => {
  for (const listening of [gateway, server]) {
    listening?.closeAllConnections();
    await new Promise((resolve) => listening?.close(resolve));
  }
  await logto?.close();
  for (const dir of outputs) rmSync(dir, { recursive: true, force: true });
});

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

/** Runs one scenario of the suite against `url` and returns the checks it wrote. */
async function runScenario(url: string, scenario: string): Promise<Check[]> {
  const output = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
  outputs.push(output);
  const child = spawn(BUN, [SUITE, 'server', '--url', url, '--scenario', scenario, '--output-dir', output], { stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  child.stdout.on('data', (chunk) => (printed += chunk));
  child.stderr.on('data', (chunk) => (printed += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await new Promise((resolve) => child.once('exit', resolve));
  clearTimeout(killer);
  const files = readdirSync(output, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('checks.json'));
  assert.equal(files.length, 1, `the suite wrote one checks.json for ${scenario}:\n${printed}`);
  return JSON.parse(readFileSync(join(output, files[0]!), 'utf8')) as Check[];
}

describe('MCP conformance suite, server scenarios', () => {
  for (const scenario of SCENARIOS) {
    test(`${scenario}: passes with a token, fails without one`, async () => {
      const withToken = await runScenario(gatewayUrl, scenario);
      assert.ok(withToken.length > 0);
      assert.deepEqual(withToken.filter((check) => check.status !== 'SUCCESS' && check.status !== 'INFO'), [], `${scenario} with a token`);
      const withoutToken = await runScenario(mcpUrl, scenario);
      const failed = withoutToken.filter((check) => check.status === 'FAILURE');
      assert.ok(failed.length > 0, `${scenario} without a token must fail`);
      assert.ok(failed.every((check) => /401|Unauthorized|invalid_token/i.test(check.errorMessage ?? '')), JSON.stringify(failed));
    });
  }
});
