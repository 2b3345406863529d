import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, rmdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const webDir = fileURLToPath(new URL('../../web/', import.meta.url));
// The UI also bundles the API shapes the server shares with it.
const apiDir = fileURLToPath(new URL('../../src/api/', import.meta.url));
// Beside the OS temp files, named after this checkout: parallel test files of one checkout build once.
const lockDir = join(tmpdir(), `sluice-web-build-${createHash('sha256').update(webDir).digest('hex').slice(0, 12)}.lock`);

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestSource(path));
    else newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

async function isStale(): Promise<boolean> {
  const built = await stat(join(webDir, 'dist', 'index.html')).catch(() => null);
  if (!built) return true;
  const sources = Math.max(
    await newestSource(join(webDir, 'src')),
    await newestSource(apiDir),
    (await stat(join(webDir, 'index.html'))).mtimeMs,
    (await stat(join(webDir, 'vite.config.ts'))).mtimeMs,
  );
  return sources > built.mtimeMs;
}

/**
 * `vite build web` in a child process with NODE_ENV=production: vitest sets NODE_ENV=test, which in-process would
 * give a development build of React (the server serves this very web/dist to users).
 */
async function buildWeb(): Promise<void> {
  const vite = join(createRequire(import.meta.url).resolve('vite/package.json'), '..', 'bin', 'vite.js');
  await promisify(execFile)(process.execPath, [vite, 'build', webDir, '--logLevel', 'warn'], {
    env: { ...process.env, NODE_ENV: 'production' },
    timeout: 120_000,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Builds web/dist when it is missing or older than web/src; test files running in parallel build it once. */
export async function ensureWebBuild(): Promise<void> {
  for (let waited = 0; waited < 120_000; waited += 200) {
    if (!(await isStale())) return;
    try {
      await mkdir(lockDir);
    } catch {
      // another test file is building: wait for it
      const lock = await stat(lockDir).catch(() => null);
      if (lock && Date.now() - lock.mtimeMs > 120_000) await rmdir(lockDir).catch(() => undefined);
      await sleep(200);
      continue;
    }
    try {
      if (await isStale()) await buildWeb();
      return;
    } finally {
      await rmdir(lockDir).catch(() => undefined);
    }
  }
  throw new Error('gave up waiting for another process to build web/dist');
}
