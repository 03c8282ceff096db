// A real JWKS server on 127.0.0.1 (port 0) that counts its hits and can rotate,
// fail, hang or answer garbage. It serves `${logtoUrl}/oidc/jwks` like Logto.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface JwksServer {
  logtoUrl: string;
  issuer: string;
  jwksUri: string;
  /** GET requests answered on the JWKS path. */
  hits(): number;
  /** Replace the published keys. */
  setKeys(keys: object[]): void;
  /** Answer JWKS requests with `handler` instead (undefined: back to the keys). */
  setHandler(handler: Handler | undefined): void;
  close(): Promise<void>;
}

export async function startJwksServer(keys: object[] = []): Promise<JwksServer> {
  let published = keys;
  let handler: Handler | undefined;
  let hits = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/oidc/jwks') {
      res.statusCode = 404;
      res.end();
      return;
    }
    hits++;
    if (handler) return handler(req, res);
    // Logto answers its JWKS with no-cache: the TTL is the verifier's to keep
    res.setHeader('cache-control', 'no-cache, max-age=0');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const logtoUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    logtoUrl,
    issuer: `${logtoUrl}/oidc`,
    jwksUri: `${logtoUrl}/oidc/jwks`,
    hits: () => hits,
    setKeys: (next) => void (published = next),
    setHandler: (next) => void (handler = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
