import Database from 'better-sqlite3';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../src/state/migrations.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';

// Another process's write lock, held from a worker thread: the store under test blocks synchronously
// while it waits, so the lock must be released by another thread.
const HOLDER = `
  const { parentPort, workerData } = require('node:worker_threads');
  const Database = require(workerData.driver);
  const db = new Database(workerData.file);
  if (workerData.wal) db.pragma('journal_mode = WAL');
  db.exec('BEGIN IMMEDIATE');
  parentPort.postMessage('locked');
  setTimeout(() => { db.exec('COMMIT'); db.close(); parentPort.postMessage('released'); }, workerData.holdMs);
`;

function holdWriteLock(file: string, options: { wal: boolean; holdMs: number }): Promise<Worker> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(HOLDER, { eval: true, workerData: { driver, file, ...options } });
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve(worker));
    worker.once('error', reject);
  });
}

describe('SQLite migrations under another process lock', () => {
  let projectDir: string;
  let store: StateStore | undefined;
  beforeEach(async () => {
    projectDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-lock-'));
    await mkdir(path.join(projectDir, '.sluice'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(projectDir, { recursive: true, force: true });
  });

  it.each([
    ['an existing WAL database', true],
    ['a new database file', false],
  ])('waits for the lock on %s, then migrates once', async (_label, wal) => {
    const file = path.join(projectDir, '.sluice', 'state.db');
    const worker = await holdWriteLock(file, { wal, holdMs: 400 });
    const released = new Promise((resolve) => worker.once('message', resolve));
    const started = performance.now();
    store = await openStateStore({ state: '.sluice', projectDir, secretKey: 'a'.repeat(64), env: {} });
    const waited = performance.now() - started;
    await released;
    await worker.terminate();

    expect(waited).toBeGreaterThan(250);
    const db = new Database(file, { readonly: true });
    try {
      const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
      expect(versions).toEqual(migrations.map((m) => ({ version: m.version })));
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
    await store.setValue('after-lock', 'ok');
    expect(await store.getValue('after-lock')).toBe('ok');
  });
});
