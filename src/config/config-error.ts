/** Where a configuration problem is, and what it is. */
export interface ConfigIssue {
  /** The file, relative to the working directory when possible. */
  file: string;
  /** 1-based line and column; absent when the problem has no single place (a missing file). */
  line?: number;
  column?: number;
  /** The key path, as `syncs.top_scan.to.endpoint`. */
  path: string;
  message: string;
}

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
