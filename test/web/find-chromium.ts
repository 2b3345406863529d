import { access, constants, mkdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A Chromium to launch and the flags it needs. */
export interface FoundChromium {
  executablePath: string;
  /** Flags for this build (the packaged one needs its own to run headless without a sandbox). */
  args: string[];
  /** Where it came from, for messages. */
  source: 'SLUICE_CHROMIUM' | 'system' | '@sparticuz/chromium';
}

/** Where Debian, Ubuntu and Google's packages put it. */
const systemPaths = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * The Chromium the browser tests (and anything else here that drives a browser) use: `SLUICE_CHROMIUM` when set,
 * else a system Chromium when one is installed, else the one inside the `@sparticuz/chromium` devDependency, so a
 * fresh machine needs nothing but `npm ci`. `SLUICE_CHROMIUM_SEARCH=package` skips the system lookup (to prove the
 * packaged one works on a machine that has both).
 */
export async function findChromium(): Promise<FoundChromium> {
  const chosen = process.env.SLUICE_CHROMIUM;
  if (chosen) {
    if (!(await isExecutable(chosen))) throw new Error(`SLUICE_CHROMIUM=${chosen} is not an executable file`);
    return { executablePath: chosen, args: [], source: 'SLUICE_CHROMIUM' };
  }
  if (process.env.SLUICE_CHROMIUM_SEARCH !== 'package') {
    for (const path of systemPaths) if (await isExecutable(path)) return { executablePath: path, args: [], source: 'system' };
  }
  return packagedChromium();
}

/**
 * Unpacks the packaged Chromium once per machine. It always unpacks to <tmpdir>/chromium and only checks that the
 * file exists, so test files starting together would launch a half-written binary: they take turns under a lock,
 * and a marker written after a complete unpack tells a finished binary from one a killed process left behind.
 */
async function packagedChromium(): Promise<FoundChromium> {
  const { default: chromium } = await import('@sparticuz/chromium');
  // The package exports no package.json; its entry point is build/cjs/index.cjs.
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const { version } = JSON.parse(await readFile(join(dirname(entry), '..', '..', 'package.json'), 'utf8')) as { version: string };
  const binary = join(tmpdir(), 'chromium');
  const ready = join(tmpdir(), `sluice-sparticuz-chromium-${version}.ready`);
  const lock = join(tmpdir(), 'sluice-sparticuz-chromium.lock');
  const found = (executablePath: string): FoundChromium => ({ executablePath, args: chromium.args, source: '@sparticuz/chromium' });
  for (let waited = 0; waited < 180_000; waited += 200) {
    if ((await stat(ready).catch(() => null)) && (await isExecutable(binary))) return found(binary);
    try {
      await mkdir(lock);
    } catch {
      const held = await stat(lock).catch(() => null);
      if (held && Date.now() - held.mtimeMs > 180_000) await rmdir(lock).catch(() => undefined);
      await sleep(200);
      continue;
    }
    try {
      if (!(await stat(ready).catch(() => null))) await rm(binary, { force: true });
      const path = await chromium.executablePath();
      await writeFile(ready, `${path}\n`);
      return found(path);
    } finally {
      await rmdir(lock).catch(() => undefined);
    }
  }
  throw new Error('gave up waiting for another process to unpack @sparticuz/chromium');
}
