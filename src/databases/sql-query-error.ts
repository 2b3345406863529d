import type { SqlDatabase } from './sql-database.js';

/** Where in a SQL text something is: 1-based line, and column when the engine says it. */
export interface SqlPlace {
  line: number;
  column?: number;
}

type Engine = SqlDatabase['kind'];

/**
 * A query the engine refused or failed (a syntax error, an unknown column), with the place in the caller's SQL the
 * engine points at. The sync that ran it adds its name and the SQL file (see sqlErrorMessage).
 */
export class SqlQueryError extends Error {
  override name = 'SqlQueryError';
  constructor(
    message: string,
    /** Absent when the engine does not say where (or says it ambiguously). */
    readonly place: SqlPlace | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The driver's error of running `ran` as a SqlQueryError placed in `given` (the SQL the caller passed; `ran` may wrap
 * it, as the LIMIT 0 of a describe does). Errors that are not the engine's answer to the SQL (a lost connection, an
 * abort) come back unchanged.
 */
export function sqlQueryError(error: unknown, engine: Engine, ran: string, given: string = ran): unknown {
  if (!(error instanceof Error) || error instanceof SqlQueryError || !fromEngine(error, engine)) return error;
  let message = error.message;
  let place: SqlPlace | undefined;
  const start = Math.max(0, ran.indexOf(given.replace(/[\s;]+$/, '')));
  const fromOffset = (offset: number): SqlPlace | undefined => (offset >= start ? lineColumn(given, offset - start) : undefined);
  const fromLine = (line: number, column?: number): SqlPlace | undefined => {
    const shift = lineColumn(ran, start).line - 1;
    return line - shift >= 1 ? { line: line - shift, ...(column !== undefined ? { column } : {}) } : undefined;
  };
  switch (engine) {
    case 'postgres': {
      // A 1-based character position in the text sent.
      const position = Number((error as { position?: unknown }).position);
      if (Number.isInteger(position) && position > 0) place = fromOffset(position - 1);
      break;
    }
    case 'mysql': {
      // "... near 'rest of the query' at line N": the quoted text starts where the parser stopped, which places it
      // better than the line number (MariaDB counts the line of its lookahead).
      const m = /near '([\s\S]*)' at line (\d+)$/.exec(error.message);
      if (m) {
        const near = m[1]!;
        const at = near === '' ? ran.replace(/[\s;]+$/, '').length : uniqueIndex(ran, near);
        place = at !== undefined ? fromOffset(at) : fromLine(Number(m[2]));
        if (at !== undefined && at >= start && place) {
          // Quoted as far as the caller's SQL goes (not into a wrapper), with the line it is on.
          const own = given.replace(/[\s;]+$/, '').slice(at - start, at - start + near.length);
          message = `${message.slice(0, m.index)}near '${own}' at line ${place.line}`;
        }
      }
      break;
    }
    case 'duckdb': {
      // "...\n\nLINE 3: FORM users\n             ^": the line, and the caret under the column when the line is shown whole.
      message = message.replace(/^Failed to extract statements: /, '');
      const m = /\n*LINE (\d+): ([^\n]*)(?:\n( *)\^)?\s*$/.exec(message);
      if (m) {
        message = message.slice(0, m.index).trimEnd();
        const line = Number(m[1]);
        const shown = m[2]!;
        const caret = m[3] === undefined ? undefined : m[3].length - `LINE ${m[1]}: `.length;
        const text = ran.split(/\r?\n/)[line - 1];
        place = fromLine(line, caret !== undefined && caret >= 0 && text === shown ? caret + 1 : undefined);
      }
      break;
    }
    case 'sqlite': {
      // SQLite names the token, not its place: it is placed when it occurs once in the text.
      const m = /^near "([^"]+)": syntax error$/.exec(message) ?? /^no such (?:column|table|function): ([^\s]+)$/.exec(message);
      const at = m ? uniqueToken(ran, m[1]!) : undefined;
      if (at !== undefined) place = fromOffset(at);
      break;
    }
  }
  return new SqlQueryError(message, place, { cause: error });
}

/** Whether the error is the engine's answer to the SQL, rather than a failure to reach it. */
function fromEngine(error: Error, engine: Engine): boolean {
  const e = error as { code?: unknown; severity?: unknown; sqlMessage?: unknown; name?: string };
  switch (engine) {
    case 'postgres':
      // A SQLSTATE of class 08 is a connection failure, not the query's.
      return typeof e.severity === 'string' && typeof e.code === 'string' && !e.code.startsWith('08');
    case 'mysql':
      return typeof e.sqlMessage === 'string' && e.code !== 'PROTOCOL_CONNECTION_LOST';
    case 'sqlite':
      return typeof e.code === 'string' && e.code.startsWith('SQLITE_') && e.code !== 'SQLITE_BUSY' && e.code !== 'SQLITE_CANTOPEN';
    case 'duckdb':
      return /^(?:Failed to extract statements: )?[A-Z][A-Za-z ]* Error: /.test(error.message);
    case 'bigquery':
      // Its errors come from the REST API through the same path as a lost connection's: not told apart yet.
      return false;
  }
}

/** The 1-based line and column of a 0-based offset. */
function lineColumn(text: string, offset: number): SqlPlace {
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

function uniqueIndex(text: string, part: string): number | undefined {
  const first = text.indexOf(part);
  return first >= 0 && text.indexOf(part, first + 1) < 0 ? first : undefined;
}

/** Where `token` occurs once in `text` as a whole word (case-insensitively, as SQL reads keywords). */
function uniqueToken(text: string, token: string): number | undefined {
  const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const word = /^\w/.test(token) ? `(?<![\\w.])${escaped}(?!\\w)` : escaped;
  const found = [...text.matchAll(new RegExp(word, 'gi'))];
  return found.length === 1 ? found[0]!.index : undefined;
}
