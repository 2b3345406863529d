// A sync not saved yet, as the web UI's wizard and editor send it (POST /api/sync-drafts/...), and what the server tells
// them about sources and destinations.
import type { Operation } from './connectors.js';
import type { SyncMode, SyncObject } from './syncs.js';

/** POST /api/sync-drafts/sample: the first rows of a source as the editor holds it (a query's text, a table, a stream). */
export interface DraftSampleRequest {
  from: { connection: string; sql?: string; table?: string; stream?: string; variables?: Record<string, unknown> };
  /** 1..100 (default 20). */
  limit?: number;
}

/** One endpoint a destination connection offers a sync. */
export interface DestinationEndpoint {
  name: string;
  operation: Operation;
  request: 'single' | 'batch';
  /** The modes a sync may use with this endpoint alone. */
  modes: SyncMode[];
  /** The `row.*` fields its templates read, in the order they are written. */
  rowFields: string[];
  /** A template sends the whole row (`row | json`): every column goes. */
  wholeRow: boolean;
}

/** GET /api/sync-drafts/destinations/:connection: what a sync can write to through that connection. */
export type DestinationOptions =
  | { connection: string; kind: 'http'; endpoints: DestinationEndpoint[]; streams: string[] }
  | { connection: string; kind: 'table'; modes: SyncMode[] };

/** GET /api/sync-drafts/context: where the project keeps SQL, and the SQL text of a sync being edited. */
export interface DraftContext {
  /** The folder the project's SQL files are in (relative to sluice.yaml), or null when syncs keep SQL inline. */
  sqlFolder: string | null;
  /** With ?sync=NAME: the text of its query, and the file it is in (null: inline). */
  sql?: { text: string; file: string | null } | null;
}

/** POST /api/sync-drafts/preview and /save: a sync as the editor holds it; `from.sql` is the query's text. */
export interface DraftSyncRequest {
  name: string;
  sync: SyncObject;
  /** Save: the .sql file (relative to sluice.yaml) the query's text is written to; sluice.yaml then names the file. */
  sqlFile?: string;
  /** Save: a new sync (refused when the name is taken); without it the sync must exist. */
  create?: boolean;
  /** Preview: how many requests to render (1..20, default 5). */
  limit?: number;
}
