import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny scripted HTTP server on 127.0.0.1 for the pipeline's tests: each test says what every
 * request gets (status, headers, body, a delay, a dropped connection). It plays both Entra ID's
 * token endpoint and Partner Center's API; it implements no Partner Center rule.
 */
export interface Seen {
  method: string;
  /** Path and query, as received. */
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Date.now() when the request arrived. */
  at: number;
  /** Requests in flight (this one included) when it arrived. */
  inFlight: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  delayMs?: number;
  /** Drop the connection without answering. */
  destroy?: boolean;
}

export type Script = (req: Seen, nth: number) => Reply | Promise<Reply>;

export interface FaultServer {
  url: string;
  /** API requests (token requests are in `tokenRequests`). */
  requests: Seen[];
  tokenRequests: Seen[];
  close(): Promise<void>;
}

export const TENANT = '11111111-2222-3333-4444-555555555555';

export interface TokenScript {
  (req: Seen, nth: number): Reply | Promise<Reply>;
}

/** A token endpoint that grants `AT-<n>` for an hour, the way Entra ID's v1 endpoint answers (expires_in as a string). */
export const grantTokens: TokenScript = (_req, nth) => ({
  status: 200,
  body: { token_type: 'Bearer', scope: 'user_impersonation', expires_in: '3600', resource: 'https://api.partnercenter.microsoft.com', access_token: `AT-${nth}-eyJhbGciOi.secret` },
});

export async function startFaultServer(api: Script, token: TokenScript = grantTokens): Promise<FaultServer> {
  const requests: Seen[] = [];
  const tokenRequests: Seen[] = [];
  let inFlight = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
      const seen: Seen = { method: req.method ?? '', url: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), inFlight };
      const isToken = /\/oauth2\/(?:v2\.0\/)?token$/.test(seen.url.split('?')[0] ?? '');
      const list = isToken ? tokenRequests : requests;
      list.push(seen);
      const nth = list.length;
      void Promise.resolve(isToken ? token(seen, nth) : api(seen, nth)).then(async (reply) => {
        if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
        inFlight--;
        if (reply.destroy) {
          req.socket.destroy();
          return;
        }
        const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status, { ...(typeof reply.body === 'object' ? { 'Content-Type': 'application/json; charset=utf-8' } : {}), ...reply.headers });
        res.end(seen.method === 'HEAD' ? undefined : body);
      });
    });
  });
  // Connections are not kept for reuse between tests.
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    tokenRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A logger that keeps every line, at every level. */
export function captureLogger(): { lines: Array<{ level: string; message: string; meta?: Record<string, unknown> }>; debug: (m: string, meta?: Record<string, unknown>) => void; info: (m: string, meta?: Record<string, unknown>) => void; warn: (m: string, meta?: Record<string, unknown>) => void } {
  const lines: Array<{ level: string; message: string; meta?: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, meta?: Record<string, unknown>) => {
    lines.push(meta === undefined ? { level, message } : { level, message, meta });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn') };
}
