import { chmod, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

/** Folders of the state: only the owner may list or enter them. */
export const PRIVATE_DIR_MODE = 0o700;
/** Files of the state (the database, the key, plan snapshots): only the owner may read or write them. */
export const PRIVATE_FILE_MODE = 0o600;

/** Entries of a state folder that Sluice owns: tightened on every open (others, if the folder is shared, are left alone). */
const OWN_FILE = /^(state\.db(-wal|-shm|-journal)?|secret\.key(\..*\.tmp)?|\.gitignore)$/;
const OWN_DIRS = new Set(['plans', 'tmp']);

/** A chmod that leaves what this user does not own (or a file system without modes) as it is. */
async function chmodOwn(file: string, mode: number): Promise<void> {
  try {
    await chmod(file, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOENT') throw error;
  }
}

/** Creates a folder 0700 (its missing parents as usual), or tightens it to 0700 when it exists. */
export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(path.dirname(dir), { recursive: true });
  try {
    await mkdir(dir, { mode: PRIVATE_DIR_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // mkdir's mode passes through the umask, and a folder left by an older version is 0755: set it outright.
  await chmodOwn(dir, PRIVATE_DIR_MODE);
}

/** Makes every file under `dir` 0600 and every folder 0700, symlinks left alone (a file the database engine made 0644). */
export async function tightenTree(dir: string): Promise<void> {
  await chmodOwn(dir, PRIVATE_DIR_MODE);
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) await tightenTree(file);
    else if (entry.isFile()) await chmodOwn(file, PRIVATE_FILE_MODE);
  }
}

/**
 * Tightens a state folder as an older version (or a database engine's default modes) left it: the folder 0700, the
 * files Sluice keeps there 0600, and its plans/ and tmp/ folders through and through.
 */
export async function tightenStateDir(dir: string): Promise<void> {
  await chmodOwn(dir, PRIVATE_DIR_MODE);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isFile() && OWN_FILE.test(entry.name)) await chmodOwn(file, PRIVATE_FILE_MODE);
    else if (entry.isDirectory() && OWN_DIRS.has(entry.name)) await tightenTree(file);
  }
}
