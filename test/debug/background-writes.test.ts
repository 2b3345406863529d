import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteWriteThread } from '../../src/state/sqlite-write-thread.js';

// The debugger's writes share the SQLite write thread with the ledger's: they go in the background, so a ledger write
// asked for after them does not wait for them all.
describe('background transactions on the SQLite write thread', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-background-'));
    file = join(dir, 'state.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY AUTOINCREMENT, k TEXT NOT NULL)');
    db.close();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('commits waiting transactions before background ones, and background ones one at a time, all of them', async () => {
    const thread = new SqliteWriteThread(file, 1000);
    const insert = (k: string) => [{ sql: 'INSERT INTO t (k) VALUES (?)', rows: [[k]] }];
    const done = [
      thread.transaction(insert('bg1'), { background: true }),
      thread.transaction(insert('bg2'), { background: true }),
      thread.transaction(insert('ledger1')),
      thread.transaction(insert('ledger2')),
    ];
    // Asked for while the first group runs: it still goes before the second background transaction.
    await new Promise((r) => setImmediate(r));
    done.push(thread.transaction(insert('ledger3')));
    await Promise.all(done);
    await thread.close();
    const db = new Database(file, { readonly: true });
    const order = (db.prepare('SELECT k FROM t ORDER BY n').all() as { k: string }[]).map((r) => r.k);
    db.close();
    expect(order.slice(0, 2)).toEqual(['ledger1', 'ledger2']);
    expect(order.indexOf('ledger3')).toBeLessThan(order.indexOf('bg2'));
    expect(order.sort()).toEqual(['bg1', 'bg2', 'ledger1', 'ledger2', 'ledger3']);
  });

  it('refuses a background transaction that fails, alone; the thread goes on', async () => {
    const thread = new SqliteWriteThread(file, 1000);
    const failing = thread.transaction([{ sql: 'INSERT INTO nope VALUES (1)', rows: [[]] }], { background: true });
    await expect(failing).rejects.toThrow('no such table: nope');
    await thread.transaction([{ sql: 'INSERT INTO t (k) VALUES (?)', rows: [['after']] }], { background: true });
    await thread.close();
  });
});
