import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll } from 'vitest';
import { ensureWebBuild } from './ensure-web-build.js';
import { launchBrowser, type TestBrowser } from './launch-browser.js';
import { startUiServer, type UiServer } from './start-ui-server.js';

/** A sandbox API (sandbox/) that the project's connections call. */
interface SandboxApi {
  close(): Promise<void>;
}

/** What a browser test drives (no sandbox when the set-up starts none); the fields are there once the file's beforeAll has run. */
export interface UiInBrowser<Sandbox> {
  sandbox: Sandbox;
  server: UiServer;
  browser: TestBrowser;
}

export interface UiSetup<Sandbox extends SandboxApi | undefined> {
  /** Starts the sandbox API first, so that the project files can name its URL. */
  sandbox?: () => Promise<Sandbox>;
  /** The project's files by path (sluice.yaml, connectors/…). */
  project: (sandbox: Sandbox) => Record<string, string>;
  /** SQL run on a new SQLite warehouse.db in the project, for connections of `{ type: sqlite, path: warehouse.db }`. */
  warehouse?: string;
}

/**
 * Registers, in the calling file, a beforeAll that builds the UI when it is stale, starts the sandbox API, serves the
 * project on loopback and launches a browser, and an afterAll that closes them, the browser first.
 */
export function openUiInBrowser<Sandbox extends SandboxApi | undefined = undefined>(setup: UiSetup<Sandbox>): UiInBrowser<Sandbox> {
  const ui = {} as UiInBrowser<Sandbox>;
  beforeAll(async () => {
    await ensureWebBuild();
    if (setup.sandbox) ui.sandbox = await setup.sandbox();
    ui.server = await startUiServer(setup.project(ui.sandbox));
    if (setup.warehouse !== undefined) {
      const db = new Database(join(ui.server.dir, 'warehouse.db'));
      db.exec(setup.warehouse);
      db.close();
    }
    ui.browser = await launchBrowser();
  });
  afterAll(async () => {
    await ui.browser?.close();
    await ui.server?.close();
    await ui.sandbox?.close();
  });
  return ui;
}
