import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Which files each source file imports, keyed by path relative to the repository root (posix slashes). */
export interface ModuleGraph {
  /** file -> the files it imports (value, type-only, re-export and dynamic imports alike). */
  imports: Map<string, string[]>;
  /** Relative imports that name no file, as "file: specifier", so the graph is never silently partial. */
  unresolved: string[];
}

/**
 * Reads every .ts file under `<root>/<folder>` except tests and resolves its relative imports.
 * `import type` counts: a type cycle is still a cycle for the next reader.
 */
export function readModuleGraph(root: string, folder = 'src'): ModuleGraph {
  const imports = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of listSourceFiles(join(root, folder))) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = new Set<string>();
    for (const { fileName: specifier } of info.importedFiles) {
      if (!specifier.startsWith('.')) continue;
      const target = resolveImport(dirname(file), specifier);
      if (target === undefined) unresolved.push(`${toKey(root, file)}: ${specifier}`);
      else targets.add(toKey(root, target));
    }
    imports.set(toKey(root, file), [...targets].sort());
  }
  return { imports, unresolved };
}

function listSourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts'))
    .map((name) => join(dir, name))
    .sort();
}

/** NodeNext specifiers name the emitted .js file; the source is the .ts (or .tsx) next to it. */
function resolveImport(fromDir: string, specifier: string): string | undefined {
  const base = resolve(fromDir, specifier);
  const stem = base.replace(/\.(js|mjs|cjs|jsx)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, join(base, 'index.ts')];
  return candidates.find((path) => /\.(ts|tsx|mts|json)$/.test(path) && existsSync(path));
}

function toKey(root: string, file: string): string {
  return relative(root, file).split('\\').join('/');
}
