import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * Where a project's state lives, resolved once from its `state:` value: every file Sluice keeps for it (the SQLite
 * store, the secret key file, plan snapshots, the plan workspace's spill folder) is placed from here, so a relative
 * path, an absolute one and a PostgreSQL URL each put them in one place.
 */
export type StateLocation =
  | { kind: 'folder'; dir: string }
  | { kind: 'postgres'; url: string; projectDir: string };

/** Whether a `state:` value names a PostgreSQL database (the scheme in any case, as URLs allow). */
export function isPostgresState(state: string): boolean {
  return /^postgres(ql)?:\/\//i.test(state);
}

export function stateLocation(projectDir: string, state: string): StateLocation {
  // resolve, not join: an absolute `state:` path is where the state lives, not a folder inside the project.
  return isPostgresState(state) ? { kind: 'postgres', url: state, projectDir } : { kind: 'folder', dir: resolve(projectDir, state) };
}

/** The key file sealing the store's secrets; a PostgreSQL state with no key in the environment keeps it in the project's .sluice/. */
export function secretKeyFile(location: StateLocation): string {
  return join(location.kind === 'folder' ? location.dir : resolve(location.projectDir, '.sluice'), 'secret.key');
}

/** Where a sync's plan snapshot lives: `<state folder>/plans`, or for a PostgreSQL state a temp folder keyed by URL and sync. */
export function planSnapshotFolder(location: StateLocation, sync: string): string {
  if (location.kind === 'folder') return join(location.dir, 'plans');
  const hash = createHash('sha256').update(`${location.url}\n${sync}`).digest('hex').slice(0, 24);
  return join(tmpdir(), 'sluice-plans', hash);
}

/**
 * The folder whose plan snapshots share one size bound (SLUICE_PLAN_CACHE_MB): a state folder's `plans/`, or for
 * PostgreSQL states the machine's `sluice-plans/` temp folder, which holds a folder per state and sync.
 */
export function planCacheFolder(snapshotFolder: string): string {
  const shared = join(tmpdir(), 'sluice-plans');
  return dirname(snapshotFolder) === shared ? shared : snapshotFolder;
}

/** Where plan workspaces spill to disk: `<state folder>/tmp`, or for a PostgreSQL state the system's temp folder (undefined). */
export function planSpillFolder(location: StateLocation): string | undefined {
  return location.kind === 'folder' ? join(location.dir, 'tmp') : undefined;
}
