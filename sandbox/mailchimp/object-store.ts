import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the object store answered: its path and every header it came with (tests check no credential came). */
export interface ObjectStoreRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  status: number;
}

/** A second loopback server standing for S3: objects behind presigned-looking URLs, GET only. */
export interface ObjectStore {
  url: string;
  /** Stores bytes and answers a URL with a signature in its query; any other signature answers 403. */
  put(name: string, bytes: Buffer, contentType: string): string;
  requests(): ObjectStoreRequest[];
  clear(): void;
  close(): Promise<void>;
}

/** Starts the object store on 127.0.0.1 (a port of its own: another origin than the API's). */
export async function startObjectStore(): Promise<ObjectStore> {
  const objects = new Map<string, { bytes: Buffer; contentType: string; signature: string }>();
  const log: ObjectStoreRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const object = objects.get(url.pathname);
    let status = 200;
    if (req.method !== 'GET') status = 405;
    else if (!object) status = 404;
    else if (url.searchParams.get('X-Amz-Signature') !== object.signature) status = 403;
    log.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, status });
    if (log.length > 1000) log.shift();
    if (status !== 200) {
      // S3's error bodies are XML.
      res.writeHead(status, { 'Content-Type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${status === 403 ? 'SignatureDoesNotMatch' : status === 404 ? 'NoSuchKey' : 'MethodNotAllowed'}</Code></Error>`);
      return;
    }
    res.writeHead(200, { 'Content-Type': object!.contentType, 'Content-Length': String(object!.bytes.length) });
    res.end(object!.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    put(name, bytes, contentType) {
      const signature = randomBytes(16).toString('hex');
      const path = `/mailchimp-batch-results/${encodeURIComponent(name)}`;
      objects.set(path, { bytes, contentType, signature });
      return `${url}${path}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=600&X-Amz-Signature=${signature}`;
    },
    requests: () => [...log],
    clear() {
      objects.clear();
      log.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
