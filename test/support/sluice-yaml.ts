/** One sync of a sluice.yaml; each value is the YAML text after its key, as the file writes it. */
export interface SyncYaml {
  from: string;
  to: string;
  mode: string;
  key?: string;
  /** The sync's further keys, one `key: value` line each (`on_error: { max_failed_rows: 0 }`). */
  more?: string[];
}

/** The parts of a sluice.yaml; a connection is a flow map on its own line or the lines of a block map. */
export interface ProjectYaml {
  state?: string;
  connections: Record<string, string | string[]>;
  syncs?: Record<string, SyncYaml>;
}

/**
 * The text of a sluice.yaml, laid out the way a user writes one: `version`, `state`, then each connection and each
 * sync in the given order, so tests that name a `sluice.yaml:line:column` keep their places.
 */
export function sluiceYaml(project: ProjectYaml): string {
  const lines = ['version: 1'];
  if (project.state) lines.push(`state: ${project.state}`);
  lines.push('connections:');
  for (const [name, connection] of Object.entries(project.connections)) {
    if (typeof connection === 'string') lines.push(`  ${name}: ${connection}`);
    else lines.push(`  ${name}:`, ...connection.map((line) => `    ${line}`));
  }
  if (project.syncs) {
    lines.push('syncs:');
    for (const [name, sync] of Object.entries(project.syncs)) {
      lines.push(`  ${name}:`, `    from: ${sync.from}`, `    to: ${sync.to}`, `    mode: ${sync.mode}`);
      if (sync.key !== undefined) lines.push(`    key: ${sync.key}`);
      for (const line of sync.more ?? []) lines.push(`    ${line}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
