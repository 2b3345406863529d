import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { findModuleCycles } from './find-module-cycles.js';
import { readModuleGraph } from './read-module-graph.js';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// DESIGN.md §6: the engine never imports the shells around it, and the transport nothing of the layers that use it.
const engineFolders = ['config', 'http', 'connectors', 'databases', 'rows', 'sources', 'destinations', 'sync', 'state', 'log'];
const layerRules: Array<{ from: string[]; forbidden: string[] }> = [
  { from: engineFolders.map((folder) => `src/${folder}/`), forbidden: ['src/cli/', 'src/server/', 'web/'] },
  // The transport reads its own settings schema (src/http/request-policy.ts); below it there is only the redactor.
  {
    from: ['src/http/'],
    forbidden: ['src/config/', 'src/connectors/', 'src/databases/', 'src/sources/', 'src/destinations/', 'src/sync/', 'src/state/', 'src/server/', 'src/cli/', 'src/api/'],
  },
];

/** Each import that crosses a forbidden boundary, as "importer -> imported". */
function findLayerBreaks(imports: Map<string, string[]>): string[] {
  const breaks: string[] = [];
  for (const [file, targets] of imports) {
    for (const rule of layerRules) {
      if (!rule.from.some((folder) => file.startsWith(folder))) continue;
      for (const target of targets) {
        if (rule.forbidden.some((folder) => target.startsWith(folder))) breaks.push(`${file} -> ${target}`);
      }
    }
  }
  return [...new Set(breaks)].sort();
}

function describeCycles(cycles: string[][]): string {
  return cycles.map((cycle) => cycle.join(' -> ')).join('\n');
}

describe('the module graph of src/', () => {
  const graph = readModuleGraph(repositoryRoot);

  it('reads the source files and resolves every relative import', () => {
    expect(graph.imports.size).toBeGreaterThan(100);
    expect(graph.imports.get('src/cli/main.ts')).toContain('src/cli/commands/sync-run.ts');
    expect(graph.unresolved).toEqual([]);
  });

  it('has no import cycle, type-only imports included', () => {
    const cycles = findModuleCycles(graph.imports);
    expect(describeCycles(cycles), 'import cycles (each line: a -> ... -> a)').toBe('');
  });

  it('keeps the engine free of cli, server and web, and the transport free of the layers that use it', () => {
    expect(findLayerBreaks(graph.imports)).toEqual([]);
  });
});

describe('the module graph checks themselves', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function project(files: Record<string, string>): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), 'sluice-module-graph-'));
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    return dir;
  }

  it('prints a cycle closed by an import type, and ignores tests', async () => {
    const root = await project({
      'src/sync/plan.ts': "import type { Item } from './deliver.js';\nexport type Plan = Item[];\n",
      'src/sync/deliver.ts': "import { helper } from './shared/helper.js';\nexport type Item = string;\nexport const x = helper;\n",
      'src/sync/shared/helper.ts': "import type { Plan } from '../plan.js';\nexport const helper = (p: Plan) => p;\n",
      'src/sync/plan.test.ts': "import { x } from './deliver.js';\nimport './plan.js';\n",
      'src/sync/alone.ts': "export * from './alone.js';\n",
    });
    const graph = readModuleGraph(root);
    expect([...graph.imports.keys()]).not.toContain('src/sync/plan.test.ts');
    expect(describeCycles(findModuleCycles(graph.imports))).toBe(
      [
        'src/sync/alone.ts -> src/sync/alone.ts',
        'src/sync/deliver.ts -> src/sync/shared/helper.ts -> src/sync/plan.ts -> src/sync/deliver.ts',
      ].join('\n'),
    );
  });

  it('names an import that resolves to no file', async () => {
    const root = await project({ 'src/http/client.ts': "import { gone } from './gone.js';\nexport const c = gone;\n" });
    expect(readModuleGraph(root).unresolved).toEqual(['src/http/client.ts: ./gone.js']);
  });

  it('names the transport importing a connector and the engine importing the cli', async () => {
    const root = await project({
      'src/http/client.ts': "import type { Auth } from '../connectors/auth/auth.js';\nexport type C = Auth;\n",
      'src/connectors/auth/auth.ts': 'export interface Auth { id: string }\n',
      'src/sync/run.ts': "const m = await import('../cli/main.js');\nexport default m;\n",
      'src/cli/main.ts': "import '../sync/run.js';\n",
    });
    expect(findLayerBreaks(readModuleGraph(root).imports)).toEqual([
      'src/http/client.ts -> src/connectors/auth/auth.ts',
      'src/sync/run.ts -> src/cli/main.ts',
    ]);
  });
});
