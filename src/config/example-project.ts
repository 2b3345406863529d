import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

// npm leaves .gitignore files out of a published package: this one is written from here, not copied.
const GITIGNORE = '.sluice/\n';

/**
 * The files of the example project `sluice init` writes, by relative path (the JSON Schemas are written besides): those
 * of examples/quickstart, which the package ships, so a user starts from the project the README and `sluice demo` run.
 */
export function exampleProjectFiles(): Record<string, string> {
  const quickstart = join(packageRoot(), 'examples', 'quickstart');
  const copy = (file: string) => readFileSync(join(quickstart, file), 'utf8');
  return {
    'sluice.yaml': copy('sluice.yaml'),
    'models/customers.sql': copy('models/customers.sql'),
    'data/customers.csv': copy('data/customers.csv'),
    'connectors/webhook-example.yaml': copy('connectors/webhook-example.yaml'),
    '.gitignore': GITIGNORE,
    'README.md': copy('README.md'),
  };
}
