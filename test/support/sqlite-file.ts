import Database from 'better-sqlite3';

/** Writes into the SQLite file `file` (made if missing): runs `sql`, then inserts `rows` with the `insert` statement, in one transaction. */
export function writeSqlite(file: string, sql: string, rows?: { insert: string; values: Iterable<unknown[]> }): void {
  const db = new Database(file);
  try {
    db.exec(sql);
    if (rows) {
      const insert = db.prepare(rows.insert);
      db.transaction(() => {
        for (const row of rows.values) insert.run(...row);
      })();
    }
  } finally {
    db.close();
  }
}

/** The rows `sql` returns from the SQLite file `file`, opened read-only for the query alone. */
export function querySqlite<T>(file: string, sql: string): T[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}
