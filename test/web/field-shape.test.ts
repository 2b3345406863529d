import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../../src/api/schemas.js';
import { jsonSchemas } from '../../src/config/export-json-schema.js';
import { fieldShape, initialValue } from '../../web/src/schema/field-shape.js';

const connector = jsonSchemas()['connector.schema.json'] as JsonSchema;

/** Every key below `schema` as "path: shape kind", walking boxes, entries, tagged unions and items as the form does. */
function shapesBelow(schema: JsonSchema, path: string, root: JsonSchema): string[] {
  const shape = fieldShape(schema, root);
  const here = path ? [`${path}: ${shape.kind}`] : [];
  switch (shape.kind) {
    case 'group':
      return [...here, ...shape.properties.flatMap((p) => shapesBelow(p.schema, path ? `${path}.${p.key}` : p.key, root))];
    case 'entries':
      return [...here, ...shapesBelow(shape.entry, `${path}.*`, root).filter((line) => !line.startsWith(`${path}.*:`))];
    case 'variants':
      return [...here, ...shape.variants.flatMap((v) => shapesBelow(v.schema, `${path}(${v.value})`, root).filter((line) => !line.startsWith(`${path}(${v.value}):`)))];
    case 'items':
      return [...here, ...shapesBelow(shape.item, `${path}[]`, root).filter((line) => !line.startsWith(`${path}[]:`))];
    default:
      return here;
  }
}

describe('the shapes the connector form gives the keys of the connector schema', () => {
  const shapes = shapesBelow(connector, '', connector);

  it('edits every key with a control of its own: none falls back to JSON text', () => {
    expect(shapes.length).toBeGreaterThan(80);
    expect(shapes.filter((line) => line.endsWith(': json'))).toEqual([]);
  });

  it('reads auth kinds and paginators as tagged unions, endpoints and streams as entries, enums as selects', () => {
    expect(shapes).toEqual(
      expect.arrayContaining([
        'auth: items',
        'auth[](api_key).in: select',
        'auth[](oauth2).scopes: list',
        'endpoints: entries',
        'endpoints.*.method: select',
        'endpoints.*.headers: map',
        'endpoints.*.body: textOrObject',
        'endpoints.*.batch: group',
        'endpoints.*.batch.size: number',
        'streams.*.paginate: variants',
        'streams.*.paginate(cursor).in: select',
        'streams.*.primary_key: list',
        'streams.*.incremental.lookback: scalar',
        'retry.on_status: list',
        'base_url_secret: boolean',
      ]),
    );
  });

  it('starts a new endpoint with the keys it needs and a new auth kind as the first kind', () => {
    const endpoint = fieldShape(connector.properties!.endpoints!, connector);
    expect(endpoint.kind === 'entries' && initialValue(endpoint.entry, connector)).toEqual({ operation: 'create', path: '' });
    const auth = fieldShape(connector.properties!.auth!, connector);
    expect(auth.kind === 'items' && initialValue(auth.item, connector)).toEqual({ type: 'none' });
  });
});
