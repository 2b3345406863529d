/**
 * Project revisions: the files a queued run needs (sluice.yaml, connector specs, SQL files), stored once by the
 * sha256 of their bundle, so every worker runs what the server queued rather than what its own disk holds.
 */
export interface ProjectRevisionStore {
  /** Keeps a revision (once per id) and marks it used now; true when it was not stored before. */
  saveProjectRevision(id: string, bundle: string): Promise<boolean>;
  /** A revision's bundle; null when it is not stored (never was, or pruned). */
  getProjectRevision(id: string): Promise<string | null>;
  /** Deletes every revision except the `keepLatest` most recently used and those in `keep`; returns how many went. */
  pruneProjectRevisions(options: { keepLatest: number; keep: readonly string[] }): Promise<number>;
}
