import type { ConfigIssue } from '../api/config-issue.js';

// Where a configuration problem is, and what it is: the API returns it as JSON too, so src/api declares it.
export type { ConfigIssue };

/** Formats one issue as `file:line:column: path: message`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line !== undefined ? `${issue.file}:${issue.line}:${issue.column ?? 1}` : issue.file;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Invalid configuration (sluice.yaml, a connector spec, a --var): exit code 2, every issue listed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatConfigIssue).join('\n'));
  }
}
