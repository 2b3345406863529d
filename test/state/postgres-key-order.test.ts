import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { LedgerEntry } from '../../src/state/state-store.js';
import { POSTGRES_URL, putLedgerEntries, randomKey } from './state-fixtures.js';

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// Production databases rarely sort in byte order (en_US, ICU): the ledger must not follow them,
// or a planner merging it with byte-sorted keys would see phantom adds and removes.
describe('PostgreSQL ledger order in a database with a linguistic default collation', () => {
  const database = `sluice_order_${randomBytes(5).toString('hex')}`;
  let projectDir: string;
  beforeAll(async () => {
    projectDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-order-'));
    await admin(`CREATE DATABASE ${database} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`);
  });
  afterAll(async () => {
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await rm(projectDir, { recursive: true, force: true });
  });

  it('reads keys in byte order, not the database order', async () => {
    const store = await openStateStore({
      state: `postgres://postgres@127.0.0.1:5432/${database}?schema=state`,
      projectDir,
      secretKey: randomKey(),
      env: {},
    });
    try {
      const keys = ['b', 'B', 'a', '_x', '10', '9'];
      const entries: LedgerEntry[] = keys.map((key) => ({
        key,
        fingerprint: 'f',
        remoteId: null,
        status: 'delivered',
        lastError: null,
        runId: null,
        updatedAt: '2026-11-23T09:30:00.000Z',
      }));
      await putLedgerEntries(store, 's', entries);
      const read: string[] = [];
      for await (const batch of store.readLedger('s', { batchSize: 2 })) read.push(...batch.map((e) => e.key));
      expect(read).toEqual(['10', '9', 'B', '_x', 'a', 'b']);
    } finally {
      await store.close();
    }
  });
});
