/** A problem in sluice.yaml or a connector spec, with where it is (the CLI prints it, the API returns it as JSON). */
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
