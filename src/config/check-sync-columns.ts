import { didYouMean } from './closest-match.js';
import type { ConfigIssue } from './config-error.js';
import { endpointTemplates } from './endpoint-templates.js';
import { findRowReferences } from './find-row-references.js';
import type { LoadedConnector } from './load-connector-spec.js';
import { formatKeyPath, type YamlFile } from './load-yaml.js';
import type { Sync } from './project-schema.js';
import { templatePosition } from './template-position.js';

/** What checkSyncColumns compares: a sync, the columns its query gives, and the endpoints it renders. */
export interface SyncColumnsFacts {
  name: string;
  sync: Sync;
  /** The source's column names, as a LIMIT 0 of its query gives them. */
  columns: string[];
  /** sluice.yaml, for places of the mapping and the key. */
  projectYaml: YamlFile;
  /** The destination's connector and the endpoints the sync uses (none for a table destination). */
  connector?: LoadedConnector;
  endpoints?: string[];
}

/**
 * Checks a sync against the columns its source really gives: each `mapping` source column and key column exists, and
 * each `row.X` of its endpoints' templates is a column of the mapped row. Issues name the place (a template's own
 * line and column in the connector file), the sync, and the nearest column.
 */
export function checkSyncColumns(facts: SyncColumnsFacts): ConfigIssue[] {
  const { name, sync, columns, projectYaml } = facts;
  const issues: ConfigIssue[] = [];
  const given = `the query gives ${columns.join(', ') || 'no columns'}`;
  const known = new Set(columns);
  const mapping = Object.entries(sync.mapping ?? {});
  for (const [dest, source] of mapping) {
    if (!known.has(source)) {
      issues.push(projectYaml.issue(['syncs', name, 'mapping', dest], `no source column "${source}"${didYouMean(source, columns)} (${given})`));
    }
  }
  // Rows are mapped before anything reads them: mapped columns go by their destination names.
  const renamed = new Set(mapping.map(([, source]) => source));
  const visible = [...columns.filter((c) => !renamed.has(c)), ...mapping.map(([dest]) => dest)];
  const keys = Array.isArray(sync.key) ? sync.key : sync.key === undefined ? [] : [sync.key];
  keys.forEach((key, i) => {
    if (visible.includes(key) || known.has(key)) return;
    const path = Array.isArray(sync.key) ? ['syncs', name, 'key', i] : ['syncs', name, 'key'];
    issues.push(projectYaml.issue(path, `key column "${key}" is not a column of its rows${didYouMean(key, visible)} (${given})`));
  });

  const { connector } = facts;
  if (!connector?.yaml) return issues;
  const yaml = connector.yaml;
  const seen = new Set<string>();
  for (const endpoint of facts.endpoints ?? []) {
    for (const site of endpointTemplates(connector.spec, endpoint)) {
      for (const ref of findRowReferences(site.template, { condition: site.condition })) {
        if (visible.includes(ref.column)) continue;
        const { line, column } = templatePosition(yaml, site.path, ref.at);
        const issue: ConfigIssue = {
          file: yaml.file,
          line,
          column,
          path: formatKeyPath(site.path),
          message: `sync ${name}: unknown column "${ref.column}" in ${ref.text}${didYouMean(ref.column, visible)} (the rows of sync ${name} have ${visible.join(', ') || 'no columns'})`,
        };
        // A connector header is shared by every endpoint: reported once.
        const id = `${issue.line}:${issue.column}`;
        if (!seen.has(id)) issues.push(issue);
        seen.add(id);
      }
    }
  }
  return issues;
}
