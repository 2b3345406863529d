import { didYouMean } from './closest-match.js';
import type { ConfigIssue } from './config-error.js';
import type { KeyPath, YamlFile } from './load-yaml.js';
import type { Project, Sync } from './project-schema.js';

/** The columns of a write_back table besides the sync's key columns, in table order. */
export const WRITE_BACK_COLUMNS = ['remote_id', 'status', 'last_error', 'synced_at', 'run_id'] as const;

/** The engines Sluice writes tables into: every database type but BigQuery, which it only reads. */
const WRITABLE = ['postgres', 'mysql', 'sqlite', 'duckdb'];

/**
 * What `write_back:` and `run_log:` of a sync need beyond their schema (which already holds table names to plain
 * identifiers): a connection of the project that is a database Sluice writes to, and for write_back a key whose
 * columns do not take the names of the result's own columns.
 */
export function checkWriteBack(name: string, sync: Sync, project: Project, yaml: YamlFile): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const setting of ['write_back', 'run_log'] as const) {
    const target = sync[setting];
    if (!target) continue;
    const at: KeyPath = ['syncs', name, setting];
    const connection = project.connections[target.connection];
    if (!connection) {
      const known = Object.keys(project.connections);
      const hint = didYouMean(target.connection, known) || (known.length ? ` (defined: ${known.join(', ')})` : ' (no connections are defined)');
      issues.push(yaml.issue([...at, 'connection'], `sync ${name}: ${setting}: unknown connection "${target.connection}"${hint}`));
    } else if (!WRITABLE.includes(connection.type)) {
      issues.push(yaml.issue([...at, 'connection'], `sync ${name}: ${setting} is a table in a database Sluice writes to (${WRITABLE.join(', ')}); "${target.connection}" is ${connection.type}`));
    }
  }
  if (sync.write_back) {
    const at: KeyPath = ['syncs', name, 'write_back'];
    const keys = sync.key === undefined ? [] : Array.isArray(sync.key) ? sync.key : [sync.key];
    if (keys.length === 0) issues.push(yaml.issue(at, `sync ${name}: write_back keeps one row per key, and the sync has no key`, 'key'));
    const taken = keys.filter((k) => (WRITE_BACK_COLUMNS as readonly string[]).includes(k));
    if (taken.length > 0) {
      issues.push(yaml.issue(at, `sync ${name}: write_back names its columns after the key, and key column ${taken.join(', ')} is one of its own (${WRITE_BACK_COLUMNS.join(', ')}): rename it in the source`, 'key'));
    }
  }
  return issues;
}
