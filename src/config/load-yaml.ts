import { readFile } from 'node:fs/promises';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { ConfigIssue } from './config-error.js';

/** A key path into a YAML document: mapping keys and sequence indexes. */
export type KeyPath = readonly (string | number)[];

/** A parsed YAML file that knows where each value sits. */
export interface YamlFile {
  /** The file as messages show it (relative to the cwd when inside it). */
  file: string;
  /** The document as plain JS values (the last of duplicate keys wins). */
  data: unknown;
  /** Syntax errors and duplicate keys, each with its line and column. */
  issues: ConfigIssue[];
  /** True when the text could not be parsed into a usable document (syntax errors, not duplicate keys). */
  broken: boolean;
  /**
   * The 1-based line and column of the node at `path`: its key (`key`) or its value (`value`). A path that
   * goes past what the file holds answers with the deepest node found, so a missing key points at its parent.
   */
  position(path: KeyPath, part?: 'key' | 'value'): { line: number; column: number };
  /** Where the scalar at `path` starts and how it is written, for positions inside a template. */
  scalar(path: KeyPath): ScalarPlace | undefined;
  /** An issue at the node of `path` (its key or value). */
  issue(path: KeyPath, message: string, part?: 'key' | 'value'): ConfigIssue;
}

export type ScalarStyle = 'plain' | 'quoted' | 'block';

/** Where a scalar starts; for block scalars (`|`), `indent` is the column before its first content character. */
export interface ScalarPlace {
  line: number;
  column: number;
  style: ScalarStyle;
  indent: number;
}

/** The most characters a YAML text may hold: configuration is small, and a huge text (from the API) is refused unparsed. */
export const MAX_YAML_CHARS = 4 * 1024 * 1024;

/** How far aliases may expand in all: anchors reused as defaults stay far below it, an alias bomb (billion laughs) does not. */
export const MAX_YAML_ALIAS_COUNT = 1000;

/** Formats a key path as `syncs.top_scan.to.endpoint` (indexes as `steps.2`). */
export function formatKeyPath(path: KeyPath): string {
  return path.map(String).join('.');
}

/** Reads and parses a YAML file; a missing file is an ENOENT error for the caller to word. */
export async function loadYaml(absolutePath: string, displayFile: string): Promise<YamlFile> {
  return parseYaml(await readFile(absolutePath, 'utf8'), displayFile);
}

/** Parses YAML text, keeping positions; syntax errors and duplicate keys become issues, never exceptions. */
export function parseYaml(text: string, file: string): YamlFile {
  const issues: ConfigIssue[] = [];
  let broken = false;
  // A text over the limit is not parsed at all: it reads as a broken, empty document.
  if (text.length > MAX_YAML_CHARS) {
    const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
    issues.push({ file, line: 1, column: 1, path: '', message: `the YAML text is ${mb(text.length)}, more than the ${mb(MAX_YAML_CHARS)} a file may hold` });
    broken = true;
    text = '';
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  for (const error of doc.errors) {
    if (error.code === 'DUPLICATE_KEY') {
      issues.push(duplicateKeyIssue(doc, error.pos[0], file, at));
      continue;
    }
    broken = true;
    // One error a line: the parser's follow-up errors on the same line only repeat the first.
    const where = at(error.pos[0]);
    if (issues.some((i) => i.line === where.line)) continue;
    issues.push({ file, ...where, path: '', message: `yaml syntax error: ${lowerFirst(error.message)}` });
  }
  let data: unknown;
  if (!broken) {
    try {
      data = doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
    } catch (error) {
      // The yaml library stops an alias bomb with a ReferenceError: it is the file's fault, so it is an issue.
      if (!(error instanceof ReferenceError)) throw error;
      broken = true;
      issues.push(aliasBombIssue(doc, file, at));
    }
  }

  const walk = (path: KeyPath): { key?: Node; value?: Node; found: boolean } => {
    let key: Node | undefined;
    let value: Node | undefined = (doc.contents as Node | null) ?? undefined;
    for (const segment of path) {
      if (value && isAlias(value)) value = (value.resolve(doc) as Node | undefined) ?? value;
      if (value && isMap(value)) {
        // The last of duplicate keys is the one the data holds.
        const pair = [...value.items].reverse().find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) return { key, value, found: false };
        key = pair.key as Node;
        value = (pair.value as Node | null) ?? undefined;
        if (!value) return { key, value: undefined, found: true };
      } else if (value && isSeq(value) && typeof segment === 'number' && value.items[segment]) {
        value = value.items[segment] as Node;
        key = value;
      } else {
        return { key, value, found: false };
      }
    }
    return { key, value, found: true };
  };

  const position = (path: KeyPath, part: 'key' | 'value' = 'value') => {
    const { key, value, found } = walk(path);
    const node = found ? (part === 'key' ? (key ?? value) : (value ?? key)) : (key ?? value);
    return node?.range ? at(node.range[0]) : { line: 1, column: 1 };
  };

  return {
    file,
    data,
    issues,
    broken,
    position,
    scalar(path) {
      const { value, found } = walk(path);
      if (!found || !value || !isScalar(value) || !value.range) return undefined;
      const style: ScalarStyle =
        value.type === 'BLOCK_LITERAL' || value.type === 'BLOCK_FOLDED'
          ? 'block'
          : value.type === 'QUOTE_DOUBLE' || value.type === 'QUOTE_SINGLE'
            ? 'quoted'
            : 'plain';
      const start = at(value.range[0]);
      let indent = 0;
      if (style === 'block') {
        const lines = text.split(/\r?\n/);
        const first = lines.slice(start.line).find((l) => l.trim() !== '') ?? '';
        indent = first.length - first.trimStart().length;
      }
      return { ...start, style, indent };
    },
    issue(path, message, part = 'value') {
      return { file, ...position(path, part), path: formatKeyPath(path), message };
    },
  };
}

/** Words a duplicate key with both places: where it is repeated and where it was first defined. */
function duplicateKeyIssue(
  doc: Document,
  offset: number,
  file: string,
  at: (offset: number) => { line: number; column: number },
): ConfigIssue {
  let found: { path: (string | number)[]; name: string; firstLine: number } | undefined;
  const visit = (node: unknown, path: (string | number)[]): void => {
    if (found) return;
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key) || !pair.key.range) continue;
        const name = String(pair.key.value);
        if (pair.key.range[0] === offset && seen.has(name)) {
          found = { path: [...path, name], name, firstLine: at(seen.get(name)!).line };
          return;
        }
        if (!seen.has(name)) seen.set(name, pair.key.range[0]);
        visit(pair.value, [...path, name]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, [...path, i]));
    }
  };
  visit(doc.contents, []);
  const where = at(offset);
  if (!found) return { file, ...where, path: '', message: 'duplicate key in a mapping (keys must be unique)' };
  return {
    file,
    ...where,
    path: formatKeyPath(found.path),
    message: `duplicate key "${found.name}" (first defined at line ${found.firstLine}; names must be unique)`,
  };
}

/** An alias bomb, placed at the first alias of the document (where the repetition starts). */
function aliasBombIssue(doc: Document, file: string, at: (offset: number) => { line: number; column: number }): ConfigIssue {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return {
    file,
    ...(offset !== undefined ? at(offset) : {}),
    path: '',
    message: `yaml aliases expand to more than ${MAX_YAML_ALIAS_COUNT} nodes (an alias bomb?): reuse an anchor (&name, *name) fewer times or write the values out`,
  };
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
