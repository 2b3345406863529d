import type { SqlEngine } from '../config/quote-identifier.js';

/** Longest SQL text a preview runs: far beyond any hand-written query, small enough to scan at once. */
export const MAX_PREVIEW_SQL_CHARS = 100_000;

/**
 * Words that change data or the database, or write files (`INTO OUTFILE`), refused anywhere outside strings, quoted
 * names and comments, unless called as a function. `FOR UPDATE` (row locks) goes with them: a preview never locks rows.
 */
const WRITING_WORDS = new Set([
  'insert', 'update', 'delete', 'merge', 'upsert', 'replace', 'truncate', 'drop', 'create', 'alter', 'rename', 'grant', 'revoke',
  'copy', 'attach', 'detach', 'pragma', 'call', 'exec', 'execute', 'into', 'vacuum', 'load', 'install', 'export', 'import',
  'lock', 'set', 'reset', 'begin', 'commit', 'rollback', 'savepoint', 'analyze', 'reindex', 'cluster', 'refresh', 'notify',
  'listen', 'do', 'handler', 'prepare', 'deallocate', 'declare', 'checkpoint', 'use',
]);

/** How a query may start: a read of rows. */
const FIRST_WORDS = new Set(['select', 'with', 'values', 'table', 'from']);

/**
 * Why `sql` cannot run as a preview, or null when it reads only: one statement, starting with SELECT, WITH, VALUES,
 * TABLE or FROM, with no word that writes. The scan fails closed: what it cannot read the same way every engine does
 * (a backslash in a quoted text, `$` quoting, MySQL's `/*!` comments that run, BigQuery's triple quotes) is refused
 * rather than guessed, so a `;` or a write can never hide from it in a place the database reads as code.
 */
export function readOnlySqlProblem(sql: string, engine: SqlEngine): string | null {
  if (sql.length > MAX_PREVIEW_SQL_CHARS) return `the query is longer than ${MAX_PREVIEW_SQL_CHARS} characters`;
  const words: string[] = [];
  let statementEnded = false;
  const hashComments = engine === 'mysql' || engine === 'bigquery';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    // Line comments: `--` (MySQL: only before a space or the end, else it is two minus signs), and `#` where it is one.
    const dashComment = c === '-' && next === '-' && (engine !== 'mysql' || i + 2 >= sql.length || /\s/.test(sql[i + 2]!));
    if (dashComment || (c === '#' && hashComments)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      continue;
    }
    if (c === '/' && next === '*') {
      if (sql[i + 2] === '!') return 'a /*! comment runs on MySQL: remove it';
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) return 'a /* comment is not closed';
      i = end + 2;
      continue;
    }
    if (statementEnded) return 'a preview runs one statement: remove what follows the ";"';
    if (c === ';') {
      statementEnded = true;
      i++;
      continue;
    }
    if (c === '$') return 'the query holds "$" (a $$ quoted text or a variable that is not declared): a preview refuses it';
    if (c === '\\') return 'the query holds a backslash outside quotes';
    const closing = c === '[' && engine === 'sqlite' ? ']' : c === "'" || c === '"' || c === '`' ? c : null;
    if (closing) {
      if (engine === 'bigquery' && sql.startsWith(c.repeat(3), i)) return 'a triple-quoted text: use single quotes in a preview';
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) return `a quoted text or name opened with ${c} is not closed`;
        const d = sql[j]!;
        if (d === '\\') return 'a backslash in a quoted text or name: a preview refuses it (engines read it differently)';
        if (d === closing) {
          // A doubled quote is one quote character inside the text.
          if (closing !== ']' && sql[j + 1] === closing) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      i = j + 1;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i, i + 64));
    if (word) {
      const lower = word[0].toLowerCase();
      if (words.length === 0 && !FIRST_WORDS.has(lower)) return `a preview runs a query that reads (SELECT or WITH); this one starts with ${word[0].toUpperCase()}`;
      // Followed by "(", the word is a function (REPLACE(s, a, b), MySQL's INSERT and TRUNCATE), not a statement.
      const call = /^\s*\(/.test(sql.slice(i + word[0].length, i + word[0].length + 64));
      if (WRITING_WORDS.has(lower) && !call) return `a preview only reads: the query holds ${word[0].toUpperCase()}`;
      words.push(lower);
      i += word[0].length;
      continue;
    }
    if (words.length === 0 && c !== '(') return 'a preview runs a query that reads (SELECT or WITH)';
    if (c === '(' && words.length === 0) words.push('(');
    i++;
  }
  if (words.length === 0) return 'the query is empty';
  return null;
}
