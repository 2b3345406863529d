import type { JsonSchema, JsonType } from '../../../src/api/schemas.js';

/** One key of an object schema, as a form field shows it: its name, schema, and whether the object needs it. */
export interface SchemaProperty {
  key: string;
  schema: JsonSchema;
  required: boolean;
}

/**
 * How a form edits a value of a schema, decided from the schema alone so that a key added to the zod schema gets a
 * field without a web edit:
 * text, number, boolean and select for scalars; scalar for a union of scalars (typed text); list for an array of
 * scalars (`single`: one item may be written alone, as in `key: id`); map for a map of strings; group for an object
 * with known keys; entries for a map of objects (endpoints, streams); variants for objects told apart by a constant
 * key (auth kinds, paginators); items for a list of objects (or one object standing for a list of one);
 * textOrObject for a template that may also be written as a map (a body); json for anything else.
 */
export type FieldShape =
  | { kind: 'text' }
  | { kind: 'number'; integer: boolean }
  | { kind: 'boolean' }
  | { kind: 'select'; options: string[] }
  | { kind: 'scalar'; types: JsonType[] }
  | { kind: 'list'; numeric: boolean; single: boolean }
  | { kind: 'map' }
  | { kind: 'group'; properties: SchemaProperty[] }
  | { kind: 'entries'; entry: JsonSchema }
  | { kind: 'variants'; tag: string; variants: { value: string; schema: JsonSchema }[] }
  | { kind: 'items'; item: JsonSchema }
  | { kind: 'textOrObject' }
  | { kind: 'json' };

const scalarTypes: JsonType[] = ['string', 'number', 'integer', 'boolean'];

/** The schema a `$ref` points at (`#/definitions/...` or `#/$defs/...`), or the schema itself. */
export function resolveSchema(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = /^#\/(?:definitions|\$defs)\/(.+)$/.exec(schema.$ref)?.[1];
  const defs = (root as { definitions?: Record<string, JsonSchema>; $defs?: Record<string, JsonSchema> });
  const target = name ? (defs.definitions?.[name] ?? defs.$defs?.[name]) : undefined;
  return target ? { ...resolveSchema(target, root), ...(schema.description ? { description: schema.description } : {}) } : schema;
}

/** The alternatives of a union (`anyOf` or `oneOf`) without `null`, resolved. */
function alternatives(schema: JsonSchema, root: JsonSchema): JsonSchema[] {
  return (schema.anyOf ?? schema.oneOf ?? []).map((s) => resolveSchema(s, root)).filter((s) => s.type !== 'null');
}

/** The JSON types a schema allows, `null` left out. */
function typesOf(schema: JsonSchema): JsonType[] {
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  return types.filter((t) => t !== 'null');
}

const isScalar = (s: JsonSchema) => s.enum !== undefined || typesOf(s).every((t) => scalarTypes.includes(t)) && typesOf(s).length > 0;
const isObject = (s: JsonSchema) => typesOf(s).includes('object') || s.properties !== undefined;

/** The keys of an object schema in the schema's order. */
export function schemaProperties(schema: JsonSchema, root: JsonSchema): SchemaProperty[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([key, s]) => ({ key, schema: resolveSchema(s, root), required: required.has(key) }));
}

/** The key whose constant tells the alternatives apart (`type`), when every alternative is an object that has one. */
function discriminator(options: JsonSchema[]): string | undefined {
  const first = options[0]?.properties ?? {};
  return Object.keys(first).find((key) => options.every((o) => o.properties?.[key]?.const !== undefined));
}

/** How a form edits a value of `schema` (see FieldShape). */
export function fieldShape(input: JsonSchema, root: JsonSchema): FieldShape {
  const schema = resolveSchema(input, root);
  const options = alternatives(schema, root);
  if (options.length > 0) return unionShape(options, root);
  if (schema.enum) return { kind: 'select', options: schema.enum.map(String) };
  const types = typesOf(schema);
  if (types.length > 1) return types.every((t) => scalarTypes.includes(t)) ? { kind: 'scalar', types } : { kind: 'json' };
  switch (types[0]) {
    case 'string':
      return { kind: 'text' };
    case 'number':
    case 'integer':
      return { kind: 'number', integer: types[0] === 'integer' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'array':
      return arrayShape(resolveSchema(schema.items ?? {}, root), root, false);
    case 'object':
      return objectShape(schema, root);
    default:
      return schema.properties ? objectShape(schema, root) : { kind: 'json' };
  }
}

function objectShape(schema: JsonSchema, root: JsonSchema): FieldShape {
  if (schema.properties) return { kind: 'group', properties: schemaProperties(schema, root) };
  const values = typeof schema.additionalProperties === 'object' ? resolveSchema(schema.additionalProperties, root) : undefined;
  if (!values) return { kind: 'json' };
  if (isObject(values) || alternatives(values, root).some(isObject)) return { kind: 'entries', entry: values };
  const valueOptions = alternatives(values, root);
  return isScalar(values) || (valueOptions.length > 0 && valueOptions.every(isScalar)) ? { kind: 'map' } : { kind: 'json' };
}

function arrayShape(item: JsonSchema, root: JsonSchema, orOne: boolean): FieldShape {
  if (isScalar(item)) return { kind: 'list', numeric: typesOf(item).some((t) => t === 'number' || t === 'integer'), single: orOne };
  if (isObject(item) || alternatives(item, root).length > 0) return { kind: 'items', item };
  return { kind: 'json' };
}

function unionShape(options: JsonSchema[], root: JsonSchema): FieldShape {
  const tag = discriminator(options);
  if (tag) return { kind: 'variants', tag, variants: options.map((schema) => ({ value: String(schema.properties![tag]!.const), schema })) };
  // One thing or a list of them (`auth: { type: none }` or a list; `primary_key: id` or [a, b]).
  const list = options.find((o) => typesOf(o).includes('array'));
  const one = options.find((o) => o !== list);
  if (list && one && options.length === 2) {
    const item = resolveSchema(list.items ?? {}, root);
    if (JSON.stringify(item) === JSON.stringify(one)) return arrayShape(item, root, true);
  }
  if (options.every(isScalar)) return { kind: 'scalar', types: [...new Set(options.flatMap(typesOf))] };
  if (options.length === 2 && options.some((o) => typesOf(o).includes('string')) && options.some(isObject)) return { kind: 'textOrObject' };
  return { kind: 'json' };
}

/** The value a new entry or list item starts with: the keys it needs, each at its default, first option or empty. */
export function initialValue(input: JsonSchema, root: JsonSchema): unknown {
  const schema = resolveSchema(input, root);
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined) return structuredClone(schema.default);
  const shape = fieldShape(schema, root);
  switch (shape.kind) {
    case 'select':
      return shape.options[0];
    case 'group':
      return Object.fromEntries(shape.properties.filter((p) => p.required).map((p) => [p.key, initialValue(p.schema, root)]));
    case 'variants':
      return shape.variants[0] ? initialValue(shape.variants[0].schema, root) : {};
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'text':
    case 'textOrObject':
    case 'scalar':
      return '';
    default:
      return undefined;
  }
}
