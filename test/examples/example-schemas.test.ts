import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonSchemas } from '../../src/config/export-json-schema.js';

// The quickstart ships the JSON Schemas editors read: they must describe the keys the schema has today.
describe('the JSON Schemas shipped with the quickstart example', () => {
  it.each(Object.keys(jsonSchemas()))('%s is what `sluice schema` writes now (regenerate: npx sluice schema examples/quickstart/schemas)', async (name) => {
    const shipped = JSON.parse(await readFile(join(__dirname, '../../examples/quickstart/schemas', name), 'utf8')) as unknown;
    expect(shipped).toEqual(jsonSchemas()[name as keyof ReturnType<typeof jsonSchemas>]);
  });
});
