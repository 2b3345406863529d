import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteWriteThread } from './sqlite-write-thread.js';

describe('SqliteWriteThread', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-write-thread-'));
    file = join(dir, 'state.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
    db.close();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('commits concurrent transactions, each answered with its own results, visible to another connection', async () => {
    const thread = new SqliteWriteThread(file, 1000);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        thread.transaction([
          { sql: 'INSERT INTO t (k, v) VALUES (?, ?)', rows: [[`k${i}`, i], [`k${i}b`, -i]] },
          { sql: 'SELECT count(*) AS n, sum(v) AS s FROM t WHERE k = ?', get: [`k${i}`] },
        ]),
      ),
    );
    expect(answers.map((a) => a[1])).toEqual(Array.from({ length: 50 }, (_, i) => ({ n: 1, s: i })));
    await thread.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 100 });
    db.close();
  });

  it('rolls a failing transaction back whole and says why; the thread goes on', async () => {
    const thread = new SqliteWriteThread(file, 1000);
    await expect(
      thread.transaction([{ sql: 'INSERT INTO t (k, v) VALUES (?, ?)', rows: [['a', 1], ['b', null]] }]),
    ).rejects.toThrow('NOT NULL constraint failed: t.v');
    await thread.transaction([{ sql: 'INSERT INTO t (k, v) VALUES (?, ?)', rows: [['c', 3]] }]);
    const [row] = await thread.transaction([{ sql: 'SELECT group_concat(k) AS ks FROM t', get: [] }]);
    expect(row).toEqual({ ks: 'c' });
    await thread.close();
    await expect(thread.transaction([])).rejects.toThrow('the state store is closed');
  });

  it('answers a read with its rows as arrays, after the transactions asked before it, and goes on after a bad one', async () => {
    const thread = new SqliteWriteThread(file, 1000);
    const written = thread.transaction([{ sql: 'INSERT INTO t (k, v) VALUES (?, ?)', rows: [['a', 1], ['b', 2]] }]);
    const read = thread.read({ sql: 'SELECT k, v FROM t WHERE v >= ? ORDER BY k', params: [1] });
    const later = thread.transaction([{ sql: 'INSERT INTO t (k, v) VALUES (?, ?)', rows: [['c', 3]] }]);
    await written;
    expect(await read).toEqual([['a', 1], ['b', 2]]);
    await later;
    await expect(thread.read({ sql: 'SELECT nope FROM t', params: [] })).rejects.toThrow('no such column: nope');
    expect(await thread.read({ sql: 'SELECT count(*) FROM t', params: [] })).toEqual([[3]]);
    await thread.close();
  });
});
