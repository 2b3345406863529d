import { describe, expect, it } from 'vitest';
import { openSqlDatabase } from './open-sql-database.js';
import { SqlQueryError } from './sql-query-error.js';

async function refusal(type: 'sqlite' | 'duckdb', sql: string): Promise<SqlQueryError> {
  const db = await openSqlDatabase({ type, path: ':memory:' }, { projectDir: '.' });
  try {
    await db.query(sql).describe();
  } catch (e) {
    return e as SqlQueryError;
  } finally {
    await db.close();
  }
  throw new Error('the query ran');
}

describe('a SQL error placed in the query', () => {
  it('places SQLite\'s token when it occurs once, and leaves an ambiguous one unplaced', async () => {
    const once = await refusal('sqlite', 'SELECT 1 AS id,\n  2\nFORM people');
    expect(once).toBeInstanceOf(SqlQueryError);
    expect(once.place).toEqual({ line: 3, column: 6 });
    const twice = await refusal('sqlite', 'SELECT people,\n  2\nFORM people');
    expect(twice.message).toBe('near "people": syntax error');
    expect(twice.place).toBeUndefined();
  });

  it('reads DuckDB\'s LINE and caret, and drops them from the message', async () => {
    const e = await refusal('duckdb', 'SELECT 1 AS id,\n  nosuch\n');
    expect(e.place).toEqual({ line: 2, column: 3 });
    expect(e.message).toBe('Binder Error: Referenced column "nosuch" was not found because the FROM clause is missing');
  });

  it('leaves a failure that is not the engine\'s answer to the SQL as it is', async () => {
    const db = await openSqlDatabase({ type: 'sqlite', path: ':memory:' }, { projectDir: '.' });
    await db.close();
    await expect(db.query('SELECT 1').describe()).rejects.not.toBeInstanceOf(SqlQueryError);
  });
});
