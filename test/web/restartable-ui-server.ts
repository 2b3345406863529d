import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createServer, type SluiceServer } from '../../src/server/create-server.js';

/** A UI server that can be stopped and started again on the same address, as a server that goes down and comes back. */
export interface RestartableUiServer {
  url: string;
  token: string;
  dir: string;
  /** Stops answering: the port is closed, so the browser's calls fail as with a server that is down. */
  stop(): Promise<void>;
  /** Serves the same project on the same port again. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Writes the project files into a temp dir and serves them on loopback (no scheduler), as startUiServer does. */
export async function startRestartableUiServer(files: Record<string, string>): Promise<RestartableUiServer> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-web-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const token = 'ui-test-token-8c41e7';
  let port = 0;
  let server: SluiceServer | null = null;
  const start = async () => {
    server = await createServer({ project: dir, token, scheduler: false, env: { ...process.env, SLUICE_API_TOKEN: token, SLUICE_ALLOWED_HOSTS: '127.0.0.1' } });
    await server.app.listen({ port, host: '127.0.0.1' });
    const address = server.app.server.address();
    if (!address || typeof address === 'string') throw new Error('the server has no port');
    port = address.port;
  };
  const stop = async () => {
    // Kept-alive connections are cut too: the browser must not reach the old server through one.
    server?.app.server.closeAllConnections();
    await server?.close();
    server = null;
  };
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    dir,
    stop,
    start,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
