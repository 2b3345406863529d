import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile, mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { DestinationOptions, DraftContext } from '../api/sync-drafts.js';
import type { SyncPreview } from '../api/syncs.js';
import { SINGLE_ENDPOINT } from '../config/check-project.js';
import { ConfigError } from '../config/config-error.js';
import { endpointTemplates } from '../config/endpoint-templates.js';
import { findRowReferences } from '../config/find-row-references.js';
import { loadProject, type LoadedProject } from '../config/load-project.js';
import { diskFiles, type ProjectFiles } from '../config/project-files.js';
import { syncModeSchema, variableSchema, type SyncMode } from '../config/project-schema.js';
import { readSyncQuery } from '../config/read-sync-query.js';
import { sqlFilePath } from '../config/sql-file-path.js';
import { previewSync } from '../sync/preview-sync.js';
import { checkInsideProject } from './check-inside-project.js';
import { findEntry } from './find-entry.js';
import { HttpError } from './http-error.js';
import { parseInput } from './parse-input.js';
import { readOnlySqlProblem } from './read-only-sql.js';
import { readRawProject } from './read-raw-project.js';
import { MAX_DRAFT_SAMPLE_ROWS, sampleDraftSource } from './sample-draft-source.js';
import type { ServerContext } from './server-context.js';
import { updateYamlEntry } from './update-yaml-entry.js';

/** A sync name the wizard may create: a word that is also a safe file name (its SQL file is named after it). */
export const NEW_SYNC_NAME = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_-]{0,99}$/;
/** Bounds of a draft: a body far larger than any sync definition is refused before it is parsed. */
const DRAFT_BODY_LIMIT = 1024 * 1024;
const MAX_SQL_FILE_CHARS = 300;

const connectionParams = z.object({ connection: z.string().max(200) });
const contextQuery = z.object({ sync: z.string().max(200).optional() });
const sampleBody = z.strictObject({
  from: z.strictObject({
    connection: z.string().min(1).max(200),
    sql: z.string().max(100_000).optional(),
    table: z.string().min(1).max(300).optional(),
    stream: z.string().min(1).max(200).optional(),
    variables: z.record(z.string().max(100), variableSchema).optional(),
  }),
  limit: z.number().int().min(1).max(MAX_DRAFT_SAMPLE_ROWS).default(20),
});
const draftBody = z.strictObject({
  name: z.string().min(1).max(200),
  // The project's own schema checks the sync (with file, line and key) when the candidate sluice.yaml loads.
  sync: z.record(z.string(), z.unknown()),
  sqlFile: z.string().min(1).max(MAX_SQL_FILE_CHARS).optional(),
  create: z.boolean().optional(),
  limit: z.number().int().min(1).max(20).optional(),
});
type DraftBody = z.infer<typeof draftBody>;

/** How long a draft's sample or preview may read (SLUICE_DRAFT_TIMEOUT_MS, 100 ms to 10 min; default 30 s). */
export function draftTimeoutMs(env: NodeJS.ProcessEnv): number {
  const value = Number(env.SLUICE_DRAFT_TIMEOUT_MS);
  return Number.isInteger(value) && value >= 100 && value <= 600_000 ? value : 30_000;
}

/** The modes a table destination takes: every one (a table can insert, update and delete rows). */
const TABLE_MODES = syncModeSchema.options;

/** What a sync can write through a connection: its connector's endpoints (modes, `row.*` fields) or a table. */
function destinationOptions(loaded: LoadedProject, name: string): DestinationOptions {
  const connection = findEntry(loaded.project.connections, name, 'connection');
  if (connection.type !== 'http') return { connection: name, kind: 'table', modes: [...TABLE_MODES] };
  const spec = loaded.connectors[name]?.spec;
  if (!spec) return { connection: name, kind: 'http', endpoints: [], streams: [] };
  const endpoints = Object.entries(spec.endpoints).map(([endpoint, e]) => {
    const fields: string[] = [];
    let wholeRow = false;
    for (const t of endpointTemplates(spec, endpoint)) {
      for (const ref of findRowReferences(t.template, { condition: t.condition })) if (!fields.includes(ref.column)) fields.push(ref.column);
      // `row` read whole (`{{ row | json }}`) sends every column: the picker then offers the sample's columns alone.
      if (/\brow\s*(\||}})/.test(t.template)) wholeRow = true;
    }
    const modes = (Object.keys(SINGLE_ENDPOINT) as SyncMode[]).filter((m) => SINGLE_ENDPOINT[m].includes(e.operation));
    return { name: endpoint, operation: e.operation, request: e.request, modes, rowFields: fields, wholeRow };
  });
  return { connection: name, kind: 'http', endpoints, streams: Object.keys(spec.streams) };
}

/** The folder the project's SQL files are in: the first sync whose `sql:` names a file says where. */
function sqlFolder(loaded: LoadedProject): string | null {
  for (const sync of Object.values(loaded.project.syncs)) {
    const file = sync.from.sql === undefined ? undefined : sqlFilePath(sync.from.sql);
    if (file) return dirname(file) === '.' ? '' : dirname(file);
  }
  return null;
}

/** The project's files with sluice.yaml (and a SQL file being written) as the draft would make them. */
function overlay(changed: Map<string, string>): ProjectFiles {
  return {
    read: (path) => (changed.has(path) ? Promise.resolve(changed.get(path)!) : diskFiles.read(path)),
    isFile: (path) => (changed.has(path) ? Promise.resolve(true) : diskFiles.isFile(path)),
  };
}

/**
 * A draft applied to sluice.yaml as text (comments kept) and loaded with every check saving makes; nothing is written.
 * With `sqlFile`, the query's text goes to that file and sluice.yaml names it.
 */
async function loadDraft(ctx: ServerContext, body: DraftBody): Promise<{ loaded: LoadedProject; text: string; sql?: { path: string; text: string } }> {
  const sync = { ...body.sync } as Record<string, unknown>;
  const from = sync.from;
  let sql: { path: string; text: string } | undefined;
  if (body.sqlFile !== undefined) {
    if (sqlFilePath(body.sqlFile) !== body.sqlFile) throw new HttpError(400, 'body.sqlFile: a file path ending in .sql, without spaces');
    await checkInsideProject(ctx.projectDir, body.sqlFile, body.sqlFile);
    if (typeof from !== 'object' || from === null || typeof (from as { sql?: unknown }).sql !== 'string') {
      throw new HttpError(400, 'body.sqlFile: the sync reads no SQL text (from.sql) to write into it');
    }
    sql = { path: resolve(ctx.projectDir, body.sqlFile), text: (from as { sql: string }).sql };
    sync.from = { ...(from as object), sql: body.sqlFile };
  } else if (typeof from === 'object' && from !== null && typeof (from as { sql?: unknown }).sql === 'string' && sqlFilePath((from as { sql: string }).sql)) {
    // The editor sends the query's text: a file's name alone would be read from disk, not from the draft.
    throw new HttpError(400, 'body.sync.from.sql: the query\'s text, or give sqlFile to keep it in a file');
  }
  const { text: current } = await readRawProject(ctx.projectFile);
  let text: string;
  try {
    text = updateYamlEntry(current, ['syncs', body.name], sync);
  } catch (e) {
    throw new HttpError(400, e instanceof Error ? e.message : String(e));
  }
  const changed = new Map([[ctx.projectFile, text]]);
  if (sql) changed.set(sql.path, sql.text);
  const loaded = await loadProject({
    project: ctx.projectFile,
    cwd: ctx.projectDir,
    env: ctx.env,
    connectorsDir: ctx.connectorsDir,
    secrets: ctx.store,
    networkPolicy: ctx.networkPolicy,
    files: overlay(changed),
  }).catch((e: unknown) => {
    if (e instanceof ConfigError) e.issues.forEach((i) => (i.message = ctx.redactor().mask(i.message)));
    throw e;
  });
  return { loaded, text, ...(sql ? { sql } : {}) };
}

/** Writes a file atomically: a temp file beside it, then a rename. */
async function replaceFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.sluice-edit-${randomBytes(6).toString('hex')}-${basename(path)}`);
  await writeFile(temp, text);
  try {
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
}

/**
 * The sync wizard's and editor's routes: sample a source as typed (read-only, bounded), what a destination offers,
 * where SQL is kept, preview a sync as edited (not as saved), and save it (sluice.yaml keeping comments, SQL into its file).
 */
export const syncDraftsRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.get('/api/sync-drafts/context', async (request): Promise<DraftContext> => {
    const { sync } = parseInput(contextQuery, request.query, 'query');
    const loaded = await ctx.load();
    const out: DraftContext = { sqlFolder: sqlFolder(loaded) };
    if (sync !== undefined) {
      const entry = findEntry(loaded.project.syncs, sync, 'sync');
      if (entry.from.sql === undefined) out.sql = null;
      else out.sql = { text: await readSyncQuery(loaded, sync), file: sqlFilePath(entry.from.sql) ?? null };
    }
    return out;
  });

  app.get('/api/sync-drafts/destinations/:connection', async (request): Promise<DestinationOptions> => {
    const { connection } = parseInput(connectionParams, request.params, 'params');
    return destinationOptions(await ctx.load(), connection);
  });

  app.post('/api/sync-drafts/sample', { bodyLimit: DRAFT_BODY_LIMIT }, async (request) => {
    const body = parseInput(sampleBody, request.body);
    const loaded = await ctx.load();
    return loaded.redactor.maskValue(await sampleDraftSource({ loaded, store: ctx.store, from: body.from, limit: body.limit, timeoutMs: draftTimeoutMs(ctx.env) }));
  });

  app.post('/api/sync-drafts/preview', { bodyLimit: DRAFT_BODY_LIMIT }, async (request): Promise<SyncPreview> => {
    const body = parseInput(draftBody, request.body);
    if (body.sqlFile !== undefined) throw new HttpError(400, 'body.sqlFile: a preview reads the query\'s text from from.sql');
    // A sync of sluice.yaml, or a name the wizard may create (never one every object inherits, such as __proto__).
    const saved = await ctx.load().catch(() => null);
    if (!NEW_SYNC_NAME.test(body.name) && !(saved && Object.hasOwn(saved.project.syncs, body.name))) {
      throw new HttpError(400, 'body.name: a sync name starts with a letter or _ and has up to 100 letters, digits, _ or -');
    }
    const { loaded } = await loadDraft(ctx, body);
    const sync = loaded.project.syncs[body.name]!;
    // A preview sends nothing and writes nothing: the draft's query must only read.
    const connection = loaded.project.connections[sync.from.connection]!;
    if (sync.from.sql !== undefined && connection.type !== 'http') {
      const problem = readOnlySqlProblem(sync.from.sql, connection.type);
      if (problem) throw new HttpError(400, `body.sync.from.sql: ${problem}`);
    }
    const timeoutMs = draftTimeoutMs(ctx.env);
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      return await previewSync({ loaded, store: ctx.store, sync: body.name, limit: body.limit ?? 5, signal });
    } catch (e) {
      if (signal.aborted) throw new HttpError(422, `the preview read its source for longer than ${timeoutMs / 1000} s and was stopped`);
      throw e;
    }
  });

  app.post('/api/sync-drafts/save', { bodyLimit: DRAFT_BODY_LIMIT }, async (request) => {
    const body = parseInput(draftBody, request.body);
    await ctx.edit(async () => {
      const existing = (await ctx.load().catch(() => null))?.project.syncs ?? {};
      if (body.create) {
        if (!NEW_SYNC_NAME.test(body.name)) {
          throw new HttpError(400, 'body.name: a sync name starts with a letter or _ and has up to 100 letters, digits, _ or -');
        }
        if (Object.hasOwn(existing, body.name)) throw new HttpError(409, `a sync named "${body.name}" already exists`);
      } else {
        findEntry(existing, body.name, 'sync');
      }
      const { text, sql } = await loadDraft(ctx, body);
      // The SQL file first: sluice.yaml then names a file that is there.
      if (sql) await replaceFile(sql.path, sql.text);
      await replaceFile(ctx.projectFile, text);
    });
    ctx.projectChanged();
    return { name: body.name, saved: true };
  });
};
