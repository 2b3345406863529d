import { useEffect, useState } from 'react';
import type { Operation } from '../../../../src/api/connectors.js';
import type { DestinationEndpoint, DestinationOptions, DraftSyncRequest } from '../../../../src/api/sync-drafts.js';
import type { SyncMode, SyncObject, SyncPreview, SyncSample } from '../../../../src/api/syncs.js';
import { api } from '../../api-client.js';

/**
 * A sync as the wizard and the editor hold it: the sync object of sluice.yaml, except that `from.sql` is the query's
 * text; `sqlFile` is the .sql file that text is saved into (null: inline in sluice.yaml).
 */
export interface SyncDraft {
  sync: SyncObject;
  sqlFile: string | null;
}

/** What one step edits: the draft, and how to change it. */
export interface StepProps {
  draft: SyncDraft;
  onChange: (draft: SyncDraft) => void;
}

/** The source's first rows, as the source step last read them (their columns feed the key and mapping pickers). */
export type SampleState = { loading: boolean; result: SyncSample | null; error: unknown };

export const columnName = (c: SyncSample['columns'][number]) => (typeof c === 'string' ? c : c.name);

/** The sync with one key set (undefined or '' removes it). */
export function withKey(sync: SyncObject, key: string, value: unknown): SyncObject {
  const next: Record<string, unknown> = { ...sync };
  if (value === undefined || value === '') delete next[key];
  else next[key] = value;
  return next as SyncObject;
}

/** The key as a list of columns. */
export const keyColumns = (sync: SyncObject): string[] => (Array.isArray(sync.key) ? sync.key : sync.key ? [sync.key] : []);

/** The request body of the draft routes (preview, save). */
export function draftRequest(name: string, draft: SyncDraft, extra: Partial<DraftSyncRequest> = {}): DraftSyncRequest {
  const fromSql = draft.sync.from.sql !== undefined;
  return { name, sync: draft.sync, ...(fromSql && draft.sqlFile ? { sqlFile: draft.sqlFile } : {}), ...extra };
}

/** What a destination connection offers (endpoints with modes and fields, or a table), loaded when the connection changes. */
export function useDestinationOptions(connection: string | undefined): DestinationOptions | null {
  const [options, setOptions] = useState<DestinationOptions | null>(null);
  useEffect(() => {
    setOptions(null);
    if (!connection) return;
    let live = true;
    api<DestinationOptions>(`/api/sync-drafts/destinations/${encodeURIComponent(connection)}`)
      .then((o) => live && setOptions(o))
      .catch(() => live && setOptions(null));
    return () => {
      live = false;
    };
  }, [connection]);
  return options;
}

/** Reads the first rows of the draft's source as typed (POST /api/sync-drafts/sample). */
export function sampleDraft(draft: SyncDraft): Promise<SyncSample> {
  const { from } = draft.sync;
  const body = { from: { connection: from.connection, ...(from.sql !== undefined ? { sql: from.sql } : {}), ...(from.table !== undefined ? { table: from.table } : {}), ...(from.stream !== undefined ? { stream: from.stream } : {}), ...(from.variables ? { variables: from.variables } : {}) }, limit: 20 };
  return api<SyncSample>('/api/sync-drafts/sample', { method: 'POST', body });
}

/** Plans the draft as it is on the page, saved or not; sends nothing (POST /api/sync-drafts/preview). */
export function previewDraft(name: string, draft: SyncDraft): Promise<SyncPreview> {
  return api<SyncPreview>('/api/sync-drafts/preview', { method: 'POST', body: { ...draftRequest(name, { ...draft, sqlFile: null }), limit: 5 } });
}

/** Writes the draft into sluice.yaml (and its SQL into its file) (POST /api/sync-drafts/save). */
export async function saveDraft(name: string, draft: SyncDraft, create: boolean): Promise<void> {
  await api('/api/sync-drafts/save', { method: 'POST', body: draftRequest(name, draft, create ? { create: true } : {}) });
}

/** Pauses or resumes a sync's schedule (the schedules routes keep it in the state store). */
export async function setPaused(name: string, paused: boolean): Promise<void> {
  await api(`/api/schedules/sync/${encodeURIComponent(name)}/${paused ? 'pause' : 'resume'}`, { method: 'POST', body: {} });
}

/** The endpoints a sync's destination names (one, or one per operation), as the destination offers them. */
export function chosenEndpoints(sync: SyncObject, options: DestinationOptions | null): DestinationEndpoint[] {
  if (options?.kind !== 'http') return [];
  const names = sync.to.endpoints ? Object.values(sync.to.endpoints) : sync.to.endpoint ? [sync.to.endpoint] : [];
  return options.endpoints.filter((e) => names.includes(e.name));
}

/** The modes endpoints named per operation serve (as sluice validate decides: create and update, or upsert, write). */
export function modesOfSlots(slots: Partial<Record<Operation, string>>): SyncMode[] {
  const has = (op: Operation) => Boolean(slots[op]);
  const writes = has('upsert') || (has('create') && has('update'));
  const modes: SyncMode[] = [];
  if (has('create') || has('upsert')) modes.push('insert');
  if (has('update') || has('upsert')) modes.push('update');
  if (writes) modes.push('upsert');
  if (writes && (has('delete') || has('update'))) modes.push('mirror');
  if (has('create') || has('upsert')) modes.push('append');
  return modes;
}
