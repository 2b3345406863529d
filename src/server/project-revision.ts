import { createHash } from 'node:crypto';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config/config-error.js';
import { isBuiltinConnectorName } from '../config/load-connector-spec.js';
import { parseYaml } from '../config/load-yaml.js';
import { diskFiles, type ProjectFiles } from '../config/project-files.js';
import { sqlFilePath } from '../config/sql-file-path.js';
import type { StateStore } from '../state/state-store.js';

/** The most a project revision may hold (its bundle's bytes): a project is text, and every queued run reads it from the store. */
export const MAX_REVISION_BYTES = 5 * 1024 * 1024;
/** Revisions kept beyond those of queued and running runs: the most recently queued. */
export const KEEP_REVISIONS = 20;
/** A revision id: the sha256 of its bundle, in hex. */
export const REVISION_ID = /^[0-9a-f]{64}$/;

/** The files a run needs, as queued: sluice.yaml, the connector specs and the SQL files it names inside the project. */
export interface ProjectRevision {
  /** sha256 of `bundle` (hex): the same files give the same id on every server. */
  id: string;
  /** The canonical bundle: `{"format":1,"files":[[path, text], ...]}`, paths relative to the project folder, sorted. */
  bundle: string;
  /** The project paths it holds. */
  paths: string[];
}

const bundleSchema = z.strictObject({ format: z.literal(1), files: z.array(z.tuple([z.string(), z.string()])) });

/** A file's path inside the project folder (with `/`), or null when it lies outside (a built-in spec, an absolute path elsewhere). */
function projectPath(dir: string, path: string): string | null {
  const rel = relative(dir, path);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return null;
  return rel.split(sep).join('/');
}

/** An object's fields, or none for anything else (the file is not validated yet). */
const fields = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** The files sluice.yaml names, as written: connector spec paths, sync SQL files, pipeline SQL files. */
function namedFiles(data: unknown): string[] {
  const top = fields(data);
  const names: string[] = [];
  for (const connection of Object.values(fields(top['connections']))) {
    const ref = fields(connection)['connector'];
    if (typeof ref === 'string' && !isBuiltinConnectorName(ref)) names.push(ref);
  }
  for (const sync of Object.values(fields(top['syncs']))) {
    const sql = fields(fields(sync)['from'])['sql'];
    const path = typeof sql === 'string' ? sqlFilePath(sql) : undefined;
    if (path) names.push(path);
  }
  for (const pipeline of Object.values(fields(top['pipelines']))) {
    const steps = fields(pipeline)['steps'];
    for (const step of Array.isArray(steps) ? (steps as unknown[]) : []) {
      const sql = fields(step)['sql'];
      // A step reads a file when its text ends in .sql (as the pipeline runner decides).
      if (typeof sql === 'string' && /\.sql$/i.test(sql.trim())) names.push(sql.trim());
    }
  }
  return names;
}

/** The bundle of these files and its id. */
export function bundleRevision(files: ReadonlyMap<string, string>): ProjectRevision {
  const sorted = [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const bundle = JSON.stringify({ format: 1, files: sorted });
  return { id: createHash('sha256').update(bundle).digest('hex'), bundle, paths: sorted.map(([p]) => p) };
}

/**
 * Reads the project as a run will need it: sluice.yaml and the connector specs and SQL files it names inside its
 * folder (a file it names that is missing is left out, so the worker reports it as loading does). Secrets stay out:
 * `${secret:}` and `${env:}` are references the worker resolves. Refuses a bundle over MAX_REVISION_BYTES.
 */
export async function readProjectRevision(projectFile: string, options: { files?: ProjectFiles; maxBytes?: number } = {}): Promise<ProjectRevision> {
  const read = options.files ?? diskFiles;
  const maxBytes = options.maxBytes ?? MAX_REVISION_BYTES;
  const dir = dirname(projectFile);
  const text = await read.read(projectFile);
  const files = new Map<string, string>([[projectPath(dir, projectFile) ?? 'sluice.yaml', text]]);
  const yaml = parseYaml(text, projectFile);
  // A file that does not parse travels as it is: the worker reports its issues as loading does.
  if (!yaml.broken) {
    for (const name of namedFiles(yaml.data)) {
      const path = isAbsolute(name) ? name : resolve(dir, name);
      const inside = projectPath(dir, path);
      if (inside === null || files.has(inside)) continue;
      const content = await read.read(path).catch(() => null);
      if (content !== null) files.set(inside, content);
    }
  }
  const revision = bundleRevision(files);
  const bytes = Buffer.byteLength(revision.bundle);
  if (bytes > maxBytes) {
    throw new ConfigError([
      {
        file: 'sluice.yaml',
        path: '',
        message: `too large to queue: with its connector specs and SQL files (${revision.paths.length} files) it comes to ${megabytes(bytes)}, over the ${megabytes(maxBytes)} a project revision may hold`,
      },
    ]);
  }
  return revision;
}

/** Megabytes rounded up to a tenth, so a size just over the bound never reads as the bound. */
const megabytes = (bytes: number) => `${String(Math.ceil((bytes / (1024 * 1024)) * 10) / 10)} MB`;

/**
 * Stores the project as the revision a run is queued with, and prunes old revisions when it is a new one (keeping
 * those of queued and running runs, listed by `inUse`, and the KEEP_REVISIONS most recently queued). Returns its id.
 */
export async function saveProjectRevision(
  store: StateStore,
  projectFile: string,
  options: { inUse: () => Promise<string[]>; keep?: number; maxBytes?: number; log?: (message: string) => void },
): Promise<string> {
  const revision = await readProjectRevision(projectFile, { maxBytes: options.maxBytes });
  const created = await store.saveProjectRevision(revision.id, revision.bundle);
  if (created) {
    try {
      await store.pruneProjectRevisions({ keepLatest: options.keep ?? KEEP_REVISIONS, keep: await options.inUse() });
    } catch (e) {
      options.log?.(`old project revisions not pruned: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return revision.id;
}

/**
 * The project files of a stored revision, for loadProject on a worker: paths inside `dir` (the worker's project folder)
 * are read from the revision only, so a file the server did not have is missing here too; paths outside it (built-in
 * connector specs) from the disk. A revision that is gone, or whose bundle does not match its id, is a ConfigError.
 */
export async function revisionFiles(store: StateStore, id: string, dir: string): Promise<ProjectFiles> {
  const bundle = REVISION_ID.test(id) ? await store.getProjectRevision(id) : null;
  const fail = (why: string) => new ConfigError([{ file: 'sluice.yaml', path: '', message: `the project revision ${id.slice(0, 12)} this run was queued with ${why}` }]);
  if (bundle === null) throw fail('is not in the state store (pruned, or the server that queued it uses another state)');
  if (createHash('sha256').update(bundle).digest('hex') !== id) throw fail('does not match its id: the stored copy was altered');
  const parsed = bundleSchema.safeParse(JSON.parse(bundle));
  if (!parsed.success) throw fail('is not a bundle this Sluice can read');
  const files = new Map(parsed.data.files);
  const missing = (path: string) => Object.assign(new Error(`ENOENT: no such file in the project revision: ${path}`), { code: 'ENOENT' });
  return {
    read: async (path) => {
      const inside = projectPath(dir, path);
      if (inside === null) return diskFiles.read(path);
      const text = files.get(inside);
      if (text === undefined) throw missing(inside);
      return text;
    },
    isFile: async (path) => {
      const inside = projectPath(dir, path);
      return inside === null ? diskFiles.isFile(path) : files.has(inside);
    },
  };
}
