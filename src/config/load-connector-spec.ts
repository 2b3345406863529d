import { readdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { checkConnector } from './check-connector.js';
import { didYouMean } from './closest-match.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { connectorSpecSchema, type ConnectorSpec } from './connector-schema.js';
import { displayPath } from './display-path.js';
import { parseYaml, type YamlFile } from './load-yaml.js';
import { packageRoot } from './package-root.js';
import { diskFiles, type ProjectFiles } from './project-files.js';
import { validateSchema } from './validate-schema.js';

/** A connector spec and the file it came from (absolute path). */
export interface LoadedConnector {
  file: string;
  spec: ConnectorSpec;
  /** The file as parsed, for errors that name the line of a template (absent for specs built in memory). */
  yaml?: YamlFile;
}

/** Where built-in connector specs live unless a caller says otherwise (tests). */
export function builtinConnectorsDir(): string {
  return join(packageRoot(), 'connectors');
}

/** Whether a `connector:` value names a built-in spec (`backlog`) rather than a file (`./connectors/x.yaml`). */
export function isBuiltinConnectorName(ref: string): boolean {
  return /^[a-z][a-z0-9_-]*$/.test(ref);
}

/** A built-in name (`backlog`) or a path (`./connectors/x.yaml`) turned into a file, or why it cannot be. */
export async function resolveConnectorRef(
  ref: string,
  baseDir: string,
  connectorsDir: string = builtinConnectorsDir(),
  cwd?: string,
  files: ProjectFiles = diskFiles,
): Promise<{ file: string } | { error: string }> {
  const isName = isBuiltinConnectorName(ref);
  const file = isName ? join(connectorsDir, `${ref}.yaml`) : isAbsolute(ref) ? ref : resolve(baseDir, ref);
  if (await files.isFile(file)) return { file };
  if (!isName) return { error: `connector file "${ref}" not found (looked for ${displayPath(file, cwd)})` };
  const builtins = (await readdir(connectorsDir).catch(() => [] as string[]))
    .filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length));
  const hint = didYouMean(ref, builtins) || (builtins.length ? ` (built-in: ${builtins.join(', ')})` : '');
  return { error: `unknown built-in connector "${ref}"${hint}; for your own spec give a path such as ./connectors/${ref}.yaml` };
}

/** Reads, validates and checks one connector spec file; the issues are all in that file. */
export async function readConnectorSpec(file: string, cwd?: string, files: ProjectFiles = diskFiles): Promise<{ connector?: LoadedConnector; issues: ConfigIssue[] }> {
  const yaml = parseYaml(await files.read(file), displayPath(file, cwd));
  if (yaml.broken) return { issues: yaml.issues };
  const { value, issues } = validateSchema(connectorSpecSchema, yaml);
  if (!value) return { issues: [...yaml.issues, ...issues] };
  const all = [...yaml.issues, ...checkConnector(value, yaml)];
  return all.length ? { issues: all } : { connector: { file, spec: value, yaml }, issues: [] };
}

/** Loads a connector spec by built-in name or by a path relative to `baseDir`; a ConfigError lists every issue. */
export async function loadConnectorSpec(
  ref: string,
  baseDir: string,
  options: { connectorsDir?: string; cwd?: string } = {},
): Promise<LoadedConnector> {
  const found = await resolveConnectorRef(ref, baseDir, options.connectorsDir, options.cwd);
  if ('error' in found) throw new ConfigError([{ file: ref, path: '', message: found.error }]);
  const { connector, issues } = await readConnectorSpec(found.file, options.cwd);
  if (!connector) throw new ConfigError(issues);
  return connector;
}
