/** The query wrapped so that it returns its columns and no rows (how PostgreSQL and MySQL describe). */
export function limitZeroSql(sql: string): string {
  // The newlines keep a trailing `-- comment` in the user's query from swallowing the wrapper.
  return `SELECT * FROM (\n${stripTrailingSemicolons(sql)}\n) AS sluice_describe LIMIT 0`;
}

/** The query without trailing semicolons and whitespace, so that it can be wrapped. */
export function stripTrailingSemicolons(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}
