import { isAbsolute, relative } from 'node:path';

/** A file path as messages show it: relative to `cwd` when inside it, else absolute. */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
