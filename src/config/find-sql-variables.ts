// `$$` is matched first and left alone, so PostgreSQL's `$$ ... $$` bodies never hold a variable.
const VARIABLE = /\$\$|\$([A-Za-z_][A-Za-z0-9_]*)\$/g;

/**
 * The `$name$` variables in SQL text, in order (a name may repeat). Any `$word$` is a variable, even inside a
 * string literal or a comment; `$$` is never part of one; `$1` is not a variable.
 */
export function findSqlVariables(sql: string): string[] {
  const names: string[] = [];
  for (const m of sql.matchAll(VARIABLE)) if (m[1] !== undefined) names.push(m[1]);
  return names;
}

/** Replaces each `$name$` with `valueOf(name)`, leaving `$$` as it is. */
export function replaceSqlVariables(sql: string, valueOf: (name: string) => string): string {
  return sql.replace(VARIABLE, (whole, name: string | undefined) => (name === undefined ? whole : valueOf(name)));
}
