import { isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';

/** Decides whether an incoming value keeps what the file holds (a masked secret sent back unchanged). */
export type KeepExisting = (existing: unknown, incoming: unknown) => boolean;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The YAML text with the value at `path` (such as `['syncs', 'orders']`) replaced by `value`, changing only what
 * differs: comments, key order and quoting of everything else stay as written. Missing parent maps are created.
 */
export function updateYamlEntry(text: string, path: readonly string[], value: unknown, keep: KeepExisting = () => false): string {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error(`the file cannot be parsed: ${doc.errors[0]!.message}`);
  if (!doc.contents) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  let parent = doc.contents as Node;
  for (const key of path.slice(0, -1)) {
    if (!isMap(parent)) throw new Error(`"${key}" cannot be set: its parent is not a mapping`);
    let next = parent.get(key, true) as Node | undefined;
    if (!isMap(next)) {
      next = doc.createNode({}) as Node;
      parent.set(key, next);
    }
    parent = next;
  }
  if (!isMap(parent)) throw new Error('the file is not a mapping');
  const key = path[path.length - 1]!;
  const existing = parent.get(key, true) as Node | undefined;
  parent.set(key, existing === undefined ? doc.createNode(value) : merge(doc, existing, value, keep));
  const full = doc.toString({ lineWidth: 0 });
  // Only the entry's own text is replaced: the rest of the file stays byte for byte as written (comment spacing too).
  const before = existing?.range;
  if (!before) return appendEntry(text, full, path, parent) ?? full;
  const after = (parseDocument(full).getIn(path, true) as Node | undefined)?.range;
  if (!after) return full;
  return text.slice(0, before[0]) + full.slice(after[0], after[2]) + text.slice(before[2]);
}

/**
 * A new entry added at the end of its block map, as `full` (the whole document written anew) writes it, re-indented
 * to the map's own indent; the rest of the text stays as written. Undefined when the map is not a block map that
 * already has entries (a flow map `{}`, an empty one): then the whole document is written anew.
 */
function appendEntry(text: string, full: string, path: readonly string[], parent: Node): string | undefined {
  if (!isMap(parent) || parent.flow || parent.items.length < 2 || !parent.range) return undefined;
  const firstKey = parent.items[0]!.key as Node | null;
  if (!firstKey?.range) return undefined;
  const indent = firstKey.range[0] - (text.lastIndexOf('\n', firstKey.range[0] - 1) + 1);
  const written = parseDocument(full).getIn(path.slice(0, -1), true) as Node | undefined;
  if (!isMap(written)) return undefined;
  const pair = written.items.find((p) => isScalar(p.key) && String(p.key.value) === path[path.length - 1]);
  const keyNode = pair?.key as Node | undefined;
  const valueNode = pair?.value as Node | undefined;
  if (!keyNode?.range || !valueNode?.range) return undefined;
  const writtenIndent = keyNode.range[0] - (full.lastIndexOf('\n', keyNode.range[0] - 1) + 1);
  const shift = indent - writtenIndent;
  const lines = full.slice(keyNode.range[0], valueNode.range[1]).replace(/\s+$/, '').split('\n');
  const entry = lines.map((line, i) => (i === 0 ? ' '.repeat(indent) + line : shift >= 0 ? ' '.repeat(shift) + line : line.slice(-shift))).join('\n');
  // After the map's last value (its trailing comments stay above the entry), on a line of its own.
  const at = parent.range[1];
  const head = text.slice(0, at);
  return `${head}${head.endsWith('\n') ? '' : '\n'}${entry}\n${text.slice(at).replace(/^\n/, '')}`;
}

/** The node updated in place toward `value` (so its comments survive), or a new node when the shape changed. */
function merge(doc: Document, node: Node, value: unknown, keep: KeepExisting): Node {
  if (isScalar(node) && keep(node.value, value)) return node;
  if (isMap(node) && isPlainObject(value)) {
    for (const pair of [...node.items]) {
      const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!(name in value)) node.delete(pair.key);
    }
    for (const [k, v] of Object.entries(value)) {
      const child = node.get(k, true) as Node | undefined;
      node.set(k, child === undefined ? doc.createNode(v) : merge(doc, child, v, keep));
    }
    return node;
  }
  if (isSeq(node) && Array.isArray(value)) {
    node.items = value.map((v, i) => {
      const child = node.items[i] as Node | undefined;
      return child === undefined ? doc.createNode(v) : merge(doc, child, v, keep);
    });
    return node;
  }
  if (isScalar(node) && (value === null || typeof value !== 'object')) {
    if (node.value !== value) node.value = value;
    return node;
  }
  return doc.createNode(value) as Node;
}
