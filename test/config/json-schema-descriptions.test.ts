import { describe, expect, it } from 'vitest';
import { jsonSchemas } from '../../src/config/export-json-schema.js';

type SchemaNode = { [key: string]: unknown };

const isNode = (value: unknown): value is SchemaNode => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every key an editor completes (each `properties` entry, anywhere in the schema) that has no description, as a path. */
function undescribedKeys(root: SchemaNode): string[] {
  const definitions = { ...(isNode(root.definitions) ? root.definitions : {}), ...(isNode(root.$defs) ? root.$defs : {}) };
  const resolve = (node: SchemaNode): SchemaNode => {
    const target = typeof node.$ref === 'string' ? definitions[node.$ref.split('/').pop()!] : undefined;
    return isNode(target) ? target : node;
  };
  const found: string[] = [];
  const visited = new Set<SchemaNode>();
  const visit = (node: SchemaNode, path: string): void => {
    if (visited.has(node)) return;
    visited.add(node);
    for (const [key, value] of Object.entries(isNode(node.properties) ? node.properties : {})) {
      if (!isNode(value)) continue;
      const described = typeof value.description === 'string' || typeof resolve(value).description === 'string';
      if (!described) found.push(`${path}.${key}`);
      visit(resolve(value), `${path}.${key}`);
    }
    if (isNode(node.additionalProperties)) visit(resolve(node.additionalProperties), `${path}.*`);
    if (isNode(node.items)) visit(resolve(node.items), `${path}[]`);
    for (const list of [node.anyOf, node.oneOf, node.allOf]) {
      if (Array.isArray(list)) for (const member of list) if (isNode(member)) visit(resolve(member), path);
    }
  };
  visit(root, '$');
  for (const [name, definition] of Object.entries(definitions)) if (isNode(definition)) visit(definition, `#${name}`);
  return [...new Set(found)];
}

// The schema is where keys are documented (SKILL: one source for validation, editors, the UI and DESIGN's tables).
describe('the JSON Schemas editors read', () => {
  it.each(Object.entries(jsonSchemas()))('%s describes every key', (_name, schema) => {
    expect(undescribedKeys(schema as SchemaNode)).toEqual([]);
  });

  it('finds a key without a description (the check can fail)', () => {
    const schema = { type: 'object', properties: { a: { type: 'string', description: 'A.' }, b: { type: 'object', properties: { c: { type: 'number' } } } } };
    expect(undescribedKeys(schema)).toEqual(['$.b', '$.b.c']);
  });
});
