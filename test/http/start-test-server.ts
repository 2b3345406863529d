import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient, type HttpClientOptions } from '../../src/http/http-client.js';
import type { CloseLater } from '../support/close-after-each-test.js';

/** A request as the test server received it. */
export interface ReceivedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** ms since the server started, when the request arrived. */
  at: number;
}

export type TestHandler = (request: ReceivedRequest, res: ServerResponse, index: number) => void | Promise<void>;

/** A real HTTP server on 127.0.0.1 that records requests, counts sockets and the peak of requests in flight. */
export async function startTestServer(handler: TestHandler) {
  const started = performance.now();
  const requests: ReceivedRequest[] = [];
  const stats = { sockets: 0, inFlight: 0, peakInFlight: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: performance.now() - started,
      };
      const index = requests.push(received) - 1;
      stats.inFlight++;
      stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight);
      res.on('close', () => stats.inFlight--);
      void Promise.resolve(handler(received, res, index)).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  server.on('connection', () => stats.sockets++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    stats,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers with a JSON body. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** An HttpClient's options for a test: 4 requests at a time and timeouts of 1 s to connect and 2 s to read unless given. */
export type TestClientOptions = Omit<HttpClientOptions, 'rateLimit' | 'timeouts'> & Partial<Pick<HttpClientOptions, 'rateLimit' | 'timeouts'>> & {
  /** Lets credentials go to the test server (its URL is the client's allowedOrigin). */
  allowServer?: boolean;
};

/** A test server answering with `handler` and an HttpClient of `options`, both closed through `closeLater`. */
export async function startServerAndClient(handler: TestHandler, closeLater: CloseLater, options: TestClientOptions) {
  const server = await startTestServer(handler);
  const { allowServer, ...clientOptions } = options;
  const client = new HttpClient({
    rateLimit: { concurrency: 4 },
    timeouts: { connect_ms: 1000, read_ms: 2000 },
    ...(allowServer ? { allowedOrigin: server.url } : {}),
    ...clientOptions,
  });
  closeLater(() => server.close(), () => client.close());
  return { server, client };
}
