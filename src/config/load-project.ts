import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { RequestQuotas } from '../http/request-quotas.js';
import type { NetworkPolicy } from '../http/network-policy.js';
import { Redactor } from '../log/redactor.js';
import { openStateStore } from '../state/open-state-store.js';
import { checkHttpConnection } from './check-http-connection.js';
import { checkProject } from './check-project.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import type { ConnectorSpec } from './connector-schema.js';
import { connectionSecrets } from './connection-secrets.js';
import { displayPath } from './display-path.js';
import { readConnectorSpec, resolveConnectorRef, type LoadedConnector } from './load-connector-spec.js';
import { parseYaml, type YamlFile } from './load-yaml.js';
import { diskFiles, type ProjectFiles } from './project-files.js';
import { projectSchema, type Project } from './project-schema.js';
import { stateSetting } from './project-state-setting.js';
import { resolveEnv } from './resolve-env.js';
import { SECRET_NAME, secretReferences, secretStoreName, type SecretReader } from './secret-reference.js';
import { sqlFilePath } from './sql-file-path.js';
import { validateSchema } from './validate-schema.js';

export { loadConnectorSpec, type LoadedConnector } from './load-connector-spec.js';

/** A project ready to run: validated, `${env:}` resolved, connector config defaults filled in. */
export interface LoadedProject {
  /** The sluice.yaml file (absolute). */
  file: string;
  /** Its directory: relative paths in the project resolve against it. */
  dir: string;
  project: Project;
  /** The connector spec of each http connection, by connection name. */
  connectors: Record<string, LoadedConnector>;
  /** Knows every secret of the project (env values, auth values, URL passwords, secret config fields). */
  redactor: Redactor;
  /** Where the project's HTTP connections may connect (the server refuses private addresses); unset: anywhere. */
  networkPolicy?: NetworkPolicy;
  /** Where its HTTP connections' rate limits are shared with other processes (set by queue workers); unset: per client. */
  requestQuotas?: RequestQuotas;
  /** Where its SQL files are read at run time (a queue worker's project revision); unset: the disk. */
  files?: ProjectFiles;
}

export interface LoadProjectOptions {
  /** Where HTTP connections may connect, kept on the loaded project for every connection opened from it. */
  networkPolicy?: NetworkPolicy;
  /** Where HTTP connections share their rate limits with other processes, kept on the loaded project likewise. */
  requestQuotas?: RequestQuotas;
  /** Where `${secret:NAME}` values are read (the project's state store); default: the store `state:` names, opened for the read. */
  secrets?: SecretReader;
  /** A directory holding sluice.yaml, or the file; default: the nearest sluice.yaml from `cwd` upwards. */
  project?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where built-in connector specs are (default: `connectors/` of the package). */
  connectorsDir?: string;
  /**
   * Where the project's files are read (default: the disk); with it, `project` is the sluice.yaml path as is and
   * relative paths still resolve against its folder (a queue worker reads the revision the server queued).
   */
  files?: ProjectFiles;
}

export const PROJECT_FILE = 'sluice.yaml';

/** Loads and checks sluice.yaml and every connector it uses; a ConfigError lists every issue found. */
export async function loadProject(options: LoadProjectOptions = {}): Promise<LoadedProject> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const files = options.files ?? diskFiles;
  const file = options.files ? resolve(cwd, options.project ?? PROJECT_FILE) : await findProjectFile(options.project, cwd);
  const dir = dirname(file);
  const yaml = parseYaml(await files.read(file), displayPath(file, cwd));
  if (yaml.broken) throw new ConfigError(yaml.issues);

  const redactor = new Redactor();
  const secrets = await readSecretReferences(yaml.data, yaml, dir, options);
  const env = resolveEnv(yaml.data, options.env ?? process.env, yaml, secrets);
  redactor.add(...env.values);
  const { value: project, issues: schemaIssues } = validateSchema(projectSchema, yaml, env.data);
  const issues: ConfigIssue[] = [...yaml.issues, ...env.issues, ...schemaIssues];
  if (!project) throw failure(issues, redactor, yaml.file);

  // Connectors: each file read once, its issues reported once, however many connections use it.
  const connectors: Record<string, LoadedConnector> = {};
  const specs: Record<string, ConnectorSpec> = {};
  const brokenConnections = new Set<string>();
  const reads = new Map<string, Promise<{ connector?: LoadedConnector; issues: ConfigIssue[] }>>();
  for (const [name, connection] of Object.entries(project.connections)) {
    redactor.add(...connectionSecrets(connection));
    if (connection.type !== 'http') continue;
    const found = await resolveConnectorRef(connection.connector, dir, options.connectorsDir, cwd, files);
    if ('error' in found) {
      issues.push(yaml.issue(['connections', name, 'connector'], found.error));
      brokenConnections.add(name);
      continue;
    }
    let read = reads.get(found.file);
    if (!read) {
      read = readConnectorSpec(found.file, cwd, files);
      reads.set(found.file, read);
      issues.push(...(await read).issues);
    }
    const { connector } = await read;
    if (!connector) {
      brokenConnections.add(name);
      continue;
    }
    const checked = checkHttpConnection(name, connection, connector.spec, yaml, options.env ?? process.env);
    issues.push(...checked.issues);
    redactor.add(...checked.resolved.secrets);
    connection.config = checked.resolved.config;
    connectors[name] = connector;
    specs[name] = connector.spec;
  }

  const sqlFiles = await readSqlFiles(project, dir, files);
  issues.push(...checkProject(project, yaml, { connectors: specs, brokenConnections, sqlFiles }));
  if (issues.length) throw failure(issues, redactor, yaml.file);
  return {
    file, dir, project, connectors, redactor,
    ...(options.networkPolicy ? { networkPolicy: options.networkPolicy } : {}),
    ...(options.requestQuotas ? { requestQuotas: options.requestQuotas } : {}),
    ...(options.files ? { files: options.files } : {}),
  };
}

/**
 * The values of the `${secret:NAME}` references in the file, read from `options.secrets`, else from the state
 * store the file names (opened for this read only); undefined when the file has none.
 */
async function readSecretReferences(data: unknown, yaml: YamlFile, dir: string, options: LoadProjectOptions): Promise<Map<string, string | null> | undefined> {
  const names = secretReferences(data).filter((n) => SECRET_NAME.test(n));
  if (names.length === 0) return undefined;
  let reader = options.secrets;
  let close: (() => Promise<void>) | undefined;
  if (!reader) {
    const store = await openStateStore({ state: stateSetting(data, yaml, options.env), projectDir: dir, env: options.env });
    reader = store;
    close = () => store.close();
  }
  try {
    const values = new Map<string, string | null>();
    for (const name of names) values.set(name, await reader.getSecret(secretStoreName(name)));
    return values;
  } finally {
    await close?.();
  }
}

/** The project file: `project` (a directory or a file) or the nearest sluice.yaml from `cwd` upwards. */
export async function findProjectFile(project: string | undefined, cwd: string): Promise<string> {
  const kind = async (path: string) => stat(path).then((s) => (s.isDirectory() ? 'dir' : 'file'), () => undefined);
  if (project !== undefined) {
    const path = resolve(cwd, project);
    const k = await kind(path);
    if (k === 'file') return path;
    if (k === 'dir' && (await kind(join(path, PROJECT_FILE))) === 'file') return join(path, PROJECT_FILE);
    const where = displayPath(path, cwd) || '.';
    throw new ConfigError([
      { file: k === 'dir' ? join(where, PROJECT_FILE) : where, path: '', message: k === 'dir' ? `no ${PROJECT_FILE} in ${where} (create one with: sluice init ${where})` : `project not found: ${where} does not exist` },
    ]);
  }
  for (let dir = cwd; ; dir = dirname(dir)) {
    if ((await kind(join(dir, PROJECT_FILE))) === 'file') return join(dir, PROJECT_FILE);
    if (dirname(dir) === dir) break;
  }
  throw new ConfigError([
    { file: PROJECT_FILE, path: '', message: `no ${PROJECT_FILE} in ${cwd} or any parent directory (create one with: sluice init, or pass --project DIR)` },
  ]);
}

/** Reads every SQL file the project names (sync sources and pipeline steps); null for a missing one. */
async function readSqlFiles(project: Project, dir: string, read: ProjectFiles): Promise<Map<string, string | null>> {
  const paths = new Set<string>();
  const add = (sql: string | undefined) => {
    const path = sql === undefined ? undefined : sqlFilePath(sql);
    if (path) paths.add(path);
  };
  for (const sync of Object.values(project.syncs)) add(sync.from.sql);
  for (const pipeline of Object.values(project.pipelines)) {
    for (const step of pipeline.steps) if (typeof step === 'object' && 'sql' in step) add(step.sql);
  }
  const files = new Map<string, string | null>();
  for (const path of paths) files.set(path, await read.read(resolve(dir, path)).catch(() => null));
  return files;
}

/** A ConfigError with the issues in reading order (sluice.yaml first, then each connector) and secrets masked. */
function failure(issues: ConfigIssue[], redactor: Redactor, projectFile: string): ConfigError {
  const files = [projectFile, ...new Set(issues.map((i) => i.file).filter((f) => f !== projectFile))];
  const sorted = [...issues].sort(
    (a, b) => files.indexOf(a.file) - files.indexOf(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  return new ConfigError(sorted.map((i) => ({ ...i, message: redactor.mask(i.message) })));
}
