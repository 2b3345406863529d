import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createServer } from '../../src/server/create-server.js';

/** A Sluice server on loopback serving the built UI for one temp project. */
export interface UiServer {
  url: string;
  token: string;
  dir: string;
  close(): Promise<void>;
}

/** Writes the project files into a temp dir and starts `createServer` on a free port (no scheduler). */
export async function startUiServer(files: Record<string, string>): Promise<UiServer> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-web-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const token = 'ui-test-token-5f2a9c';
  const server = await createServer({ project: dir, token, scheduler: false, env: { ...process.env, SLUICE_API_TOKEN: token, SLUICE_ALLOWED_HOSTS: '127.0.0.1' } });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const address = server.app.server.address();
  if (!address || typeof address === 'string') throw new Error('the server has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    token,
    dir,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
