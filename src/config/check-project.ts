import { Cron } from 'croner';
import { checkNotify } from './check-notify.js';
import { checkWriteBack } from './check-write-back.js';
import { didYouMean } from './closest-match.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import type { ConnectorSpec, Operation } from './connector-schema.js';
import type { KeyPath, YamlFile } from './load-yaml.js';
import type { Connection, OnDelete, Project, Sync, SyncMode } from './project-schema.js';
import { resolveSqlVariables } from './resolve-sql-variables.js';
import { sqlFilePath } from './sql-file-path.js';

/** What the cross-checks read besides the project: connectors by connection name and the SQL files' text. */
export interface ProjectFacts {
  /** Specs of the http connections whose connector loaded (others were already reported). */
  connectors: Record<string, ConnectorSpec>;
  /** Connections whose connector failed to load: checks needing the spec are skipped for them. */
  brokenConnections: Set<string>;
  /** Text of each SQL file named by the project (key: the path as written), null when missing. */
  sqlFiles: Map<string, string | null>;
}

/** Cross-checks between syncs, pipelines, connections and connectors; every issue with its place in sluice.yaml. */
export function checkProject(project: Project, yaml: YamlFile, facts: ProjectFacts): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [name, sync] of Object.entries(project.syncs)) issues.push(...checkSync(name, sync, project, yaml, facts));
  for (const [name, pipeline] of Object.entries(project.pipelines)) {
    const base = ['pipelines', name];
    pipeline.steps.forEach((step, i) => {
      const at: KeyPath = [...base, 'steps', i];
      if (typeof step === 'string' || 'sync' in step) {
        const syncName = typeof step === 'string' ? step : step.sync;
        if (!project.syncs[syncName]) {
          issues.push(yaml.issue(typeof step === 'string' ? at : [...at, 'sync'], `unknown sync "${syncName}"${hintFor(syncName, Object.keys(project.syncs), 'syncs')}`));
        }
        return;
      }
      const connection = connectionIssue(step.connection, [...at, 'connection'], project, yaml);
      if (connection) issues.push(connection);
      else if (project.connections[step.connection]!.type === 'http') {
        issues.push(yaml.issue([...at, 'connection'], `a sql step runs on a database connection; "${step.connection}" is http`));
      }
      issues.push(...sqlFileIssues(step.sql, [...at, 'sql'], yaml, facts));
    });
    if (pipeline.schedule !== undefined) issues.push(...cronIssues(pipeline.schedule, [...base, 'schedule'], yaml));
    issues.push(...checkNotify(base, pipeline.notify, yaml, { ...facts, project }));
  }
  return issues;
}

function checkSync(name: string, sync: Sync, project: Project, yaml: YamlFile, facts: ProjectFacts): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const base = ['syncs', name];
  const { from, to } = sync;

  const fromIssue = connectionIssue(from.connection, [...base, 'from', 'connection'], project, yaml);
  if (fromIssue) issues.push(fromIssue);
  const source = project.connections[from.connection];
  if (source) {
    if (from.stream !== undefined) {
      if (source.type !== 'http') {
        issues.push(yaml.issue([...base, 'from', 'stream'], `a stream is read from an http connection; "${from.connection}" is ${source.type} (use sql: or table:)`, 'key'));
      } else {
        const spec = facts.connectors[from.connection];
        if (spec && !spec.streams[from.stream]) {
          issues.push(yaml.issue([...base, 'from', 'stream'], `unknown stream "${from.stream}" in connector ${spec.name}${hintFor(from.stream, Object.keys(spec.streams), 'streams')}`));
        }
      }
    } else if (source.type === 'http') {
      const key = from.sql !== undefined ? 'sql' : 'table';
      issues.push(yaml.issue([...base, 'from', key], `connection "${from.connection}" is http: read it with stream: (${key} needs a database connection)`, 'key'));
    }
  }
  if (from.sql !== undefined) {
    issues.push(...sqlFileIssues(from.sql, [...base, 'from', 'sql'], yaml, facts));
    issues.push(...variableIssues(from, [...base, 'from'], yaml, facts));
  } else if (Object.keys(from.variables).length > 0) {
    issues.push(...variableIssues({ ...from, sql: '' }, [...base, 'from'], yaml, facts));
  }

  const toIssue = connectionIssue(to.connection, [...base, 'to', 'connection'], project, yaml);
  if (toIssue) issues.push(toIssue);
  const destination = project.connections[to.connection];
  if (destination) issues.push(...destinationIssues(sync, destination, base, yaml, facts));

  if (sync.mode !== 'append' && sync.key === undefined) {
    issues.push({ ...yaml.issue(base, '', 'key'), path: [...base, 'key'].join('.'), message: `mode ${sync.mode} needs a key: the column (or list of columns) that identifies a record` });
  }
  if (sync.schedule !== undefined) issues.push(...cronIssues(sync.schedule, [...base, 'schedule'], yaml));
  issues.push(...fullReadIssues(name, sync, project, yaml, facts));
  issues.push(...fieldRuleIssues(name, sync, project, yaml));
  issues.push(...checkNotify(base, sync.notify, yaml, { ...facts, project }));
  issues.push(...checkWriteBack(name, sync, project, yaml));
  if (sync.on_delete !== 'delete' && sync.mode !== 'mirror') {
    issues.push(yaml.issue([...base, 'on_delete'], `sync ${name}: on_delete says what mode mirror does with a record gone from the source; mode ${sync.mode} never removes records (remove on_delete, or use mode: mirror)`));
  }
  return issues;
}

/**
 * What `fields:` can check without the source's columns (`sluice validate --deep` checks the names against them): the
 * key is never left out, sent on create only or made a constant; a table write sets every column, so a rule leaving a
 * field out of the row has nothing to act on there; and `__proto__`, which a YAML mapping holds but an object cannot.
 */
function fieldRuleIssues(name: string, sync: Sync, project: Project, yaml: YamlFile): ConfigIssue[] {
  const base = ['syncs', name, 'fields'];
  const issues: ConfigIssue[] = [];
  const written = valueAt(yaml.data, base);
  if (written && typeof written === 'object' && Object.hasOwn(written, '__proto__')) {
    issues.push(yaml.issue([...base, '__proto__'], `sync ${name}: "__proto__" cannot be a field name`, 'key'));
  }
  const keys = keyNames(sync);
  const table = sync.to.table !== undefined && project.connections[sync.to.connection]?.type !== 'http';
  for (const [field, rule] of Object.entries(sync.fields ?? {})) {
    const what = [rule.skip_null !== undefined && 'skip_null', rule.on === 'create' && 'on: create', rule.value !== undefined && 'value'].filter((w) => w !== false);
    if (keys.has(field) && what.length > 0) {
      issues.push(yaml.issue([...base, field], `sync ${name}: "${field}" is the sync's key, which every write carries as it is: it cannot have ${what.join(' or ')}`, 'key'));
    } else if (table && (rule.skip_null !== undefined || rule.on === 'create')) {
      issues.push(yaml.issue([...base, field], `sync ${name}: skip_null and on: create leave a field out of what an endpoint is sent; a table write sets every column (use them with an endpoint, or value)`, 'key'));
    }
  }
  return issues;
}

/** The sync's key columns, by the names it gives them and by their destination names under `mapping`. */
function keyNames(sync: Sync): Set<string> {
  const keys = sync.key === undefined ? [] : Array.isArray(sync.key) ? sync.key : [sync.key];
  const names = new Set(keys);
  for (const [dest, source] of Object.entries(sync.mapping ?? {})) if (keys.includes(source)) names.add(dest);
  return names;
}

function valueAt(data: unknown, path: string[]): unknown {
  let v = data;
  for (const segment of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[segment] : undefined;
  return v;
}

/**
 * Mirror deletes what a read does not return: from an incremental stream (which returns only what changed) it needs
 * scheduled full reads, `full_refresh`; and `full_refresh` means something only for such a stream.
 */
function fullReadIssues(name: string, sync: Sync, project: Project, yaml: YamlFile, facts: ProjectFacts): ConfigIssue[] {
  const base = ['syncs', name];
  const { from } = sync;
  const issues = sync.full_refresh === undefined ? [] : cronIssues(sync.full_refresh, [...base, 'full_refresh'], yaml);
  const source = project.connections[from.connection];
  if (!source || (source.type === 'http' && !facts.connectors[from.connection])) return issues;
  const spec = facts.connectors[from.connection];
  const stream = from.stream === undefined ? undefined : spec?.streams[from.stream];
  if (from.stream !== undefined && source.type === 'http' && !stream) return issues;
  if (stream?.incremental && sync.mode === 'mirror' && sync.full_refresh === undefined) {
    issues.push(yaml.issue([...base, 'mode'],
      `sync ${name}: mode mirror deletes what a read does not return, and stream ${from.stream} of connector ${spec!.name} reads incrementally; ` +
        'add `full_refresh: "<cron>"` to the sync, or use upsert'));
  } else if (!stream?.incremental && sync.full_refresh !== undefined) {
    const what = stream ? `stream ${from.stream} of connector ${spec!.name}, which has no incremental:,` : `its ${from.sql !== undefined ? 'query' : 'table'}`;
    issues.push(yaml.issue([...base, 'full_refresh'], `full_refresh schedules full reads of an incremental stream; sync ${name} reads ${what} in full every run (remove full_refresh)`, 'key'));
  }
  return issues;
}

/** What each mode needs from a single endpoint's operation (a mirror that ignores removals is an upsert that forgets them). */
export const SINGLE_ENDPOINT: Record<SyncMode, Operation[]> = {
  insert: ['create', 'upsert'],
  update: ['update', 'upsert'],
  upsert: ['upsert'],
  mirror: [],
  append: ['create', 'upsert'],
};

const NEEDS: Record<SyncMode, string> = {
  insert: 'a create or upsert endpoint',
  update: 'an update or upsert endpoint',
  upsert: 'an upsert endpoint, or endpoints: { create: ..., update: ... }',
  mirror: 'endpoints that create, update and delete: { upsert: ..., delete: ... } or { create: ..., update: ..., delete: ... }',
  append: 'a create or upsert endpoint',
};

/** What a mode needs of its endpoints; a mirror's removals are sent as deletes, as updates (clear), or not at all. */
function needsOf(name: string, sync: Sync): string {
  if (sync.mode !== 'mirror' || sync.on_delete === 'delete') return `mode ${sync.mode} needs ${NEEDS[sync.mode]}`;
  if (sync.on_delete === 'ignore') return `mode mirror with on_delete: ignore needs ${NEEDS.upsert}`;
  return `sync ${name}: on_delete: clear sends the update endpoint with the fields null; mode mirror with it needs endpoints that create and update: { create: ..., update: ... } or { upsert: ..., update: ... }`;
}

/** Whether the operations named in `to.endpoints` cover what the mode sends. */
function coversMode(mode: SyncMode, onDelete: OnDelete, slots: Set<string>): boolean {
  const writes = slots.has('upsert') || (slots.has('create') && slots.has('update'));
  switch (mode) {
    case 'insert':
    case 'append':
      return slots.has('create') || slots.has('upsert');
    case 'update':
      return slots.has('update') || slots.has('upsert');
    case 'upsert':
      return writes;
    case 'mirror':
      return writes && (onDelete === 'ignore' || slots.has(onDelete === 'clear' ? 'update' : 'delete'));
  }
}

function destinationIssues(sync: Sync, destination: Connection, base: string[], yaml: YamlFile, facts: ProjectFacts): ConfigIssue[] {
  const { to, mode } = sync;
  const issues: ConfigIssue[] = [];
  if (to.table !== undefined) {
    if (destination.type === 'http') {
      issues.push(yaml.issue([...base, 'to', 'table'], `connection "${to.connection}" is http: write to it with endpoint: or endpoints: (table needs a database connection)`, 'key'));
    }
    return issues;
  }
  const key = to.endpoint !== undefined ? 'endpoint' : 'endpoints';
  if (destination.type !== 'http') {
    issues.push(yaml.issue([...base, 'to', key], `connection "${to.connection}" is ${destination.type}: write to it with table: (${key} needs an http connection)`, 'key'));
    return issues;
  }
  const spec = facts.connectors[to.connection];
  if (!spec) return issues;
  const unknownEndpoint = (endpoint: string) =>
    `unknown endpoint "${endpoint}" in connector ${spec.name}${hintFor(endpoint, Object.keys(spec.endpoints), 'endpoints')}`;

  const needs = needsOf(base[1]!, sync);
  if (to.endpoint !== undefined) {
    const endpoint = spec.endpoints[to.endpoint];
    const single = mode === 'mirror' && sync.on_delete === 'ignore' ? ['upsert'] : SINGLE_ENDPOINT[mode];
    if (!endpoint) issues.push(yaml.issue([...base, 'to', 'endpoint'], unknownEndpoint(to.endpoint)));
    else if (!single.includes(endpoint.operation)) {
      issues.push(yaml.issue([...base, 'to', 'endpoint'], `${needs}; endpoint "${to.endpoint}" of connector ${spec.name} is ${article(endpoint.operation)} ${endpoint.operation} endpoint`));
    }
    return issues;
  }
  const slots = new Set<string>();
  for (const [slot, endpointName] of Object.entries(to.endpoints ?? {})) {
    if (endpointName === undefined) continue;
    const endpoint = spec.endpoints[endpointName];
    const at = [...base, 'to', 'endpoints', slot];
    if (!endpoint) issues.push(yaml.issue(at, unknownEndpoint(endpointName)));
    else if (endpoint.operation !== slot) {
      issues.push(yaml.issue(at, `endpoints.${slot} must name ${article(slot)} ${slot} endpoint; "${endpointName}" of connector ${spec.name} is ${article(endpoint.operation)} ${endpoint.operation} endpoint`));
    } else slots.add(slot);
  }
  if (issues.length === 0 && !coversMode(mode, sync.on_delete, slots)) {
    issues.push(yaml.issue([...base, 'to', 'endpoints'], needs, 'key'));
  }
  // Only upsert and mirror decide between create and update; elsewhere a named lookup would silently never run.
  if (slots.has('lookup') && mode !== 'upsert' && mode !== 'mirror') {
    issues.push(yaml.issue([...base, 'to', 'endpoints', 'lookup'], `a lookup is used by modes upsert and mirror only (it decides between update and create); mode ${mode} never runs it`));
  }
  return issues;
}

function connectionIssue(name: string, at: KeyPath, project: Project, yaml: YamlFile): ConfigIssue | undefined {
  if (project.connections[name]) return undefined;
  return yaml.issue(at, `unknown connection "${name}"${hintFor(name, Object.keys(project.connections), 'connections')}`);
}

function sqlFileIssues(sql: string, at: KeyPath, yaml: YamlFile, facts: ProjectFacts): ConfigIssue[] {
  const file = sqlFilePath(sql);
  if (file === undefined || facts.sqlFiles.get(file) !== null) return [];
  return [yaml.issue(at, `sql file "${file}" not found (a path ending in .sql is read relative to the project directory)`)];
}

/** Unknown `$x$` in the SQL and declared variables that cannot produce a value (bad zone, format, default). */
function variableIssues(from: Sync['from'], base: string[], yaml: YamlFile, facts: ProjectFacts): ConfigIssue[] {
  const file = sqlFilePath(from.sql ?? '');
  const text = file === undefined ? (from.sql ?? '') : (facts.sqlFiles.get(file) ?? '');
  const prefix = base.join('.');
  try {
    resolveSqlVariables(text, from.variables, { runId: 'validate', now: new Date(), where: { file: yaml.file, path: prefix } });
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.issues.map((issue) => {
      const rest = issue.path.startsWith(`${prefix}.`) ? issue.path.slice(prefix.length + 1).split('.') : ['sql'];
      return yaml.issue([...base, ...rest], issue.message);
    });
  }
}

function cronIssues(expression: string, at: KeyPath, yaml: YamlFile): ConfigIssue[] {
  try {
    new Cron(expression).stop();
    return [];
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).replace(/^CronPattern:\s*/, '');
    return [yaml.issue(at, `invalid cron expression "${expression}": ${reason.charAt(0).toLowerCase()}${reason.slice(1)} (five fields: minute hour day month weekday, e.g. "0 9 * * *")`)];
  }
}

function hintFor(name: string, known: string[], what: string): string {
  if (known.length === 0) return ` (no ${what} are defined)`;
  return didYouMean(name, known) || ` (defined: ${known.join(', ')})`;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}
