import { readFile, stat } from 'node:fs/promises';

/**
 * Where loading reads a project's files (sluice.yaml, connector specs, SQL files), by absolute path: the disk, or
 * a project revision a queue worker was handed (so it runs what the server queued, not what its own disk holds).
 */
export interface ProjectFiles {
  /** The text of a file; rejects when there is none. */
  read(path: string): Promise<string>;
  /** Whether a file is there. */
  isFile(path: string): Promise<boolean>;
}

/** The files as they are on this machine's disk. */
export const diskFiles: ProjectFiles = {
  read: (path) => readFile(path, 'utf8'),
  isFile: (path) => stat(path).then((s) => s.isFile(), () => false),
};
