import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { findChromium } from './find-chromium.js';

const screenshotDir = fileURLToPath(new URL('../../test-artifacts/screenshots/', import.meta.url));

/** A headless Chromium (see findChromium) with a fresh profile, and a first page. */
export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Saves a full-page screenshot to test-artifacts/screenshots/<name>.png. */
  screenshot(name: string, page?: Page): Promise<void>;
  close(): Promise<void>;
}

const ourArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

/** The build's own flags, then ours that it does not already set (a flag is compared by its name, before any `=`). */
function mergeArgs(own: string[], ours: string[]): string[] {
  const name = (flag: string) => flag.split('=')[0];
  const taken = new Set(own.map(name));
  return [...own, ...ours.filter((flag) => !taken.has(name(flag)))];
}

/** Launches the Chromium findChromium picks with a fresh user-data dir; every page error fails loudly. */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await findChromium();
  const profile = await mkdtemp(join(tmpdir(), 'sluice-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: browser.executablePath,
    headless: true,
    args: mergeArgs(browser.args, ourArgs),
    viewport: { width: 1440, height: 900 },
    locale: 'en-GB',
  });
  context.setDefaultTimeout(10_000);
  const errors: string[] = [];
  context.on('weberror', (e) => errors.push(e.error().message));
  const page = context.pages()[0] ?? (await context.newPage());
  await mkdir(screenshotDir, { recursive: true });
  return {
    context,
    page,
    async screenshot(name, target = page) {
      await target.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
      if (errors.length > 0) throw new Error(`uncaught errors in the page: ${errors.join('; ')}`);
    },
  };
}
