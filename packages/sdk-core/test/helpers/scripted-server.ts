import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => unknown;

export interface ScriptedServer {
  url: string;
  /** Every request received, in order (body included). */
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }[];
  /** Answers the next requests with this handler. */
  handle(handler: Handler): void;
  close(): Promise<void>;
}

/** A real local HTTP server whose answers the test scripts, recording what it received. */
export async function startScriptedServer(initial?: Handler): Promise<ScriptedServer> {
  let handler: Handler = initial ?? ((_req, res) => res.end());
  const requests: ScriptedServer['requests'] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    try {
      await handler(req, res, body);
    } catch (err) {
      res.destroy(err as Error);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle: (h) => (handler = h),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers `status` with a JSON body. */
export function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** An unsigned JWT with the given claims: enough for token managers, which only read exp and iat. */
export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.sig`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
