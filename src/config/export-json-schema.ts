import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { connectorSpecSchema } from './connector-schema.js';
import { connectorTestsSchema } from '../connectors/test-cases/test-cases-schema.js';
import { projectSchema } from './project-schema.js';

export const PROJECT_SCHEMA_FILE = 'sluice.schema.json';
export const CONNECTOR_SCHEMA_FILE = 'connector.schema.json';
export const CONNECTOR_TESTS_SCHEMA_FILE = 'connector-tests.schema.json';

/** The JSON Schemas (draft-07, the input side: keys with defaults are optional) of sluice.yaml, connector specs and their test cases. */
export function jsonSchemas(): Record<typeof PROJECT_SCHEMA_FILE | typeof CONNECTOR_SCHEMA_FILE | typeof CONNECTOR_TESTS_SCHEMA_FILE, object> {
  // draft-07 is what yaml-language-server (VS Code's YAML extension) reads best.
  const options = { io: 'input', target: 'draft-7' } as const;
  return {
    [PROJECT_SCHEMA_FILE]: { title: 'Sluice project (sluice.yaml)', ...z.toJSONSchema(projectSchema, options) },
    [CONNECTOR_SCHEMA_FILE]: { title: 'Sluice connector spec', ...z.toJSONSchema(connectorSpecSchema, options) },
    [CONNECTOR_TESTS_SCHEMA_FILE]: { title: 'Sluice connector test cases (<name>.test.yaml)', ...z.toJSONSchema(connectorTestsSchema, options) },
  };
}

/** Writes sluice.schema.json, connector.schema.json and connector-tests.schema.json into `dir` (created when missing); returns the paths written. */
export async function exportJsonSchema(dir: string): Promise<string[]> {
  const target = resolve(dir);
  await mkdir(target, { recursive: true });
  const written: string[] = [];
  for (const [name, schema] of Object.entries(jsonSchemas())) {
    const path = join(target, name);
    await writeFile(path, JSON.stringify(schema, null, 2) + '\n');
    written.push(path);
  }
  return written;
}
