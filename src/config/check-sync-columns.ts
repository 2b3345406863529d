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

  // Field rules name destination fields: a column of the mapped rows, or one a `value` rule sets.
  const rules = Object.entries(sync.fields ?? {});
  const constants = rules.filter(([, r]) => r.value !== undefined).map(([f]) => f);
  for (const [field] of rules) {
    if (visible.includes(field) || constants.includes(field)) continue;
    issues.push(projectYaml.issue(
      ['syncs', name, 'fields', field],
      `sync ${name}: a rule for "${field}", which is not a field of its rows${didYouMean(field, visible)} (the rows have ${visible.join(', ') || 'no columns'}; a rule names a field after mapping, or sets one with value)`,
      'key',
    ));
  }
  visible.push(...constants.filter((f) => !visible.includes(f)));
  const skipNull = new Set(rules.filter(([, r]) => r.skip_null === true).map(([f]) => f));
  const createOnly = new Set(rules.filter(([, r]) => r.on === 'create').map(([f]) => f));

  const { connector } = facts;
  if (!connector?.yaml) return issues;
  const yaml = connector.yaml;
  const seen = new Set<string>();
  for (const endpoint of facts.endpoints ?? []) {
    for (const site of endpointTemplates(connector.spec, endpoint)) {
      // A row that a rule left a field out of fails a template naming it (templates run strict).
      const operation = connector.spec.endpoints[endpoint]?.operation;
      const leftOut = (column: string) =>
        skipNull.has(column) ? 'skip_null' : createOnly.has(column) && operation !== 'create' ? 'on: create' : undefined;
      for (const ref of findRowReferences(site.template, { condition: site.condition })) {
        const rule = leftOut(ref.column);
        if (visible.includes(ref.column) && !rule) continue;
        const { line, column } = templatePosition(yaml, site.path, ref.at);
        const issue: ConfigIssue = {
          file: yaml.file,
          line,
          column,
          path: formatKeyPath(site.path),
          message: rule
            ? `sync ${name}: ${ref.text} names "${ref.column}", which fields.${ref.column}.${rule === 'skip_null' ? 'skip_null' : 'on'} (${rule}) leaves out of some rows, and the template fails on those (send the whole row, {{ row | json }}, or drop the rule)`
            : `sync ${name}: unknown column "${ref.column}" in ${ref.text}${didYouMean(ref.column, visible)} (the rows of sync ${name} have ${visible.join(', ') || 'no columns'})`,
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
