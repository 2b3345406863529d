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
  const after = (parseDocument(full).getIn(path, true) as Node | undefined)?.range;
  if (!before || !after) return full;
  return text.slice(0, before[0]) + full.slice(after[0], after[2]) + text.slice(before[2]);
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
