import { isMap, parseDocument } from 'yaml';

/**
 * Sets (or, for undefined/'', removes) one field of a YAML text through the Document API, so comments and key order
 * elsewhere survive a form edit. A text that does not parse is returned unchanged.
 */
export function editYamlField(text: string, path: (string | number)[], value: unknown): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return text;
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  if (value === undefined || value === '') {
    if (doc.hasIn(path)) doc.deleteIn(path);
  } else {
    doc.setIn(path, value);
  }
  // No folding: a long Liquid body stays on one line instead of being broken inside a `{{ }}` tag.
  return doc.toString({ lineWidth: 0 });
}
