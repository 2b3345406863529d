import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { authTypes, endpointMethods, operations, requestKinds } from '../../src/api/connectors.js';
import { connectionTypes } from '../../src/api/connections.js';
import { runKinds } from '../../src/api/runs.js';
import { syncModes } from '../../src/api/syncs.js';
import { connectorAuthSchema, endpointSchema, operationSchema } from '../../src/config/connector-schema.js';
import { connectionAuthSchema, connectionSchema, syncModeSchema } from '../../src/config/project-schema.js';
import { runJobSchema } from '../../src/server/run-job.js';

const apiDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'api');

/** Every import and re-export of a src/api file that leaves src/api, as "file: specifier". */
function importsLeavingApi(): string[] {
  const found: string[] = [];
  for (const name of readdirSync(apiDir).filter((n) => n.endsWith('.ts'))) {
    const info = ts.preProcessFile(readFileSync(join(apiDir, name), 'utf8'), true, true);
    for (const { fileName: specifier } of info.importedFiles) {
      const target = specifier.startsWith('.') ? relative(apiDir, normalize(join(apiDir, specifier))) : specifier;
      if (!specifier.startsWith('.') || target.startsWith('..')) found.push(`${name}: ${specifier}`);
    }
  }
  return found;
}

describe('src/api, the API shapes the server and the web UI share', () => {
  it('imports nothing outside src/api (no Node module, no engine file), so the browser build can read it', () => {
    expect(readdirSync(apiDir).length).toBeGreaterThan(3);
    expect(importsLeavingApi()).toEqual([]);
  });

  // The sets the zod schemas accept, each as the API lists it.
  const discriminators = (union: { options: readonly { shape: { type: { value: string } } }[] }) => union.options.map((o) => o.shape.type.value);
  const cases: [string, readonly string[], readonly string[]][] = [
    ['auth types (connector specs)', authTypes, discriminators(connectorAuthSchema)],
    ['auth types (connections)', authTypes, discriminators(connectionAuthSchema)],
    ['endpoint operations', operations, operationSchema.options],
    ['endpoint methods', endpointMethods, endpointSchema.shape.method.unwrap().options],
    ['request kinds', requestKinds, endpointSchema.shape.request.unwrap().options],
    ['sync modes', syncModes, syncModeSchema.options],
    ['connection types', connectionTypes, discriminators(connectionSchema)],
    ['run kinds', runKinds, runJobSchema.shape.kind.options],
  ];
  it.each(cases)('lists the same %s as the schema', (_what, api, schema) => {
    expect([...api].sort()).toEqual([...schema].sort());
  });
});
