import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { ConfigIssue } from '../config/config-error.js';
import type { ConnectorSpec } from '../config/connector-schema.js';
import { builtinConnectorsDir, readConnectorSpec, resolveConnectorRef } from '../config/load-connector-spec.js';
import { packageRoot } from '../config/package-root.js';
import { parseYaml } from '../config/load-yaml.js';

/** A connector spec file the server knows: built-in or the project's. */
export interface CatalogEntry {
  /** The spec's `name` (the file name when the spec is broken). */
  name: string;
  title?: string;
  /** Absolute path. */
  file: string;
  /** The path as the API shows it: relative to the project, or `connectors/x.yaml` of the package. */
  displayFile: string;
  builtin: boolean;
  spec?: ConnectorSpec;
  /** Why the spec does not load. */
  issues?: ConfigIssue[];
}

async function yamlFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  // `<name>.test.yaml` beside a spec holds its test cases, not a connector.
  return names.filter((n) => (n.endsWith('.yaml') || n.endsWith('.yml')) && !/\.test\.ya?ml$/.test(n)).sort().map((n) => join(dir, n));
}

/** Connector files referenced by path from sluice.yaml's connections (read as written: a broken project still lists them). */
async function referencedFiles(projectFile: string, projectDir: string, connectorsDir: string | undefined): Promise<string[]> {
  const data = parseYaml(await readFile(projectFile, 'utf8').catch(() => ''), projectFile).data as { connections?: unknown } | undefined;
  const connections = data?.connections && typeof data.connections === 'object' ? Object.values(data.connections) : [];
  const files: string[] = [];
  for (const c of connections as { type?: unknown; connector?: unknown }[]) {
    if (c?.type !== 'http' || typeof c.connector !== 'string' || /^[a-z][a-z0-9_-]*$/.test(c.connector)) continue;
    const found = await resolveConnectorRef(c.connector, projectDir, connectorsDir);
    if ('file' in found) files.push(found.file);
  }
  return files;
}

/** Built-in connectors, then the project's (its `connectors/` folder and files sluice.yaml names); a project spec of the same name wins. */
export async function connectorCatalog(options: { projectFile: string; projectDir: string; connectorsDir?: string }): Promise<CatalogEntry[]> {
  const builtinDir = options.connectorsDir ?? builtinConnectorsDir();
  const project = [...new Set([...(await yamlFiles(join(options.projectDir, 'connectors'))), ...(await referencedFiles(options.projectFile, options.projectDir, options.connectorsDir))])];
  const read = async (file: string, builtin: boolean): Promise<CatalogEntry> => {
    const displayFile = builtin ? relative(options.connectorsDir ? builtinDir : packageRoot(), file) : relative(options.projectDir, file);
    const { connector, issues } = await readConnectorSpec(file, options.projectDir);
    if (!connector) return { name: basename(file).replace(/\.ya?ml$/, ''), file, displayFile, builtin, issues };
    return { name: connector.spec.name, title: connector.spec.title, file, displayFile, builtin, spec: connector.spec };
  };
  const entries = [...(await Promise.all((await yamlFiles(builtinDir)).map((f) => read(f, true)))), ...(await Promise.all(project.map((f) => read(f, false))))];
  const byName = new Map<string, CatalogEntry>();
  for (const e of entries) byName.set(e.name, e);
  return [...byName.values()];
}
