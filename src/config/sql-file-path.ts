/** The file a `sql:` value names when it reads as a path (one word ending in .sql), else undefined: inline SQL. */
export function sqlFilePath(sql: string): string | undefined {
  const text = sql.trim();
  return /^\S+\.sql$/i.test(text) ? text : undefined;
}
