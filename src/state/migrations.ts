/** One versioned step of the state schema, written for each dialect. */
export interface Migration {
  /** Applied in ascending order; recorded in `schema_migrations`. Never renumber a released step. */
  version: number;
  name: string;
  /** SQLite statements (run inside the migrating transaction). */
  sqlite: string;
  /** PostgreSQL statements (run inside the migrating transaction with search_path set to the state schema). */
  postgres: string;
}

/** The state schema's history, oldest first. Add new steps at the end; never edit a released one. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'runs, ledger, rejected rows, values, secrets',
    sqlite: `
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        triggered_by TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        planned INTEGER NOT NULL DEFAULT 0,
        added INTEGER NOT NULL DEFAULT 0,
        changed INTEGER NOT NULL DEFAULT 0,
        removed INTEGER NOT NULL DEFAULT 0,
        unchanged INTEGER NOT NULL DEFAULT 0,
        delivered INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        error TEXT
      );
      CREATE INDEX runs_by_name ON runs (name, started_at DESC, id DESC);

      CREATE TABLE ledger (
        sync TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT,
        remote_id TEXT,
        status TEXT NOT NULL CHECK (status IN ('delivered', 'failed')),
        last_error TEXT,
        run_id TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (sync, key)
      ) WITHOUT ROWID;

      CREATE TABLE rejected_rows (
        sync TEXT NOT NULL,
        key TEXT NOT NULL,
        run_id TEXT NOT NULL,
        operation TEXT NOT NULL,
        row_json TEXT NOT NULL,
        error TEXT NOT NULL,
        request TEXT,
        rejected_at TEXT NOT NULL,
        PRIMARY KEY (sync, key)
      ) WITHOUT ROWID;
      CREATE INDEX rejected_rows_by_time ON rejected_rows (sync, rejected_at, key);

      CREATE TABLE state_values (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        nonce BLOB NOT NULL,
        ciphertext BLOB NOT NULL,
        tag BLOB NOT NULL,
        key_id TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
    // Keys use the "C" collation so ledger order is byte order, the same as SQLite's.
    postgres: `
      CREATE TABLE runs (
        id text PRIMARY KEY,
        kind text NOT NULL,
        name text NOT NULL,
        status text NOT NULL,
        triggered_by text NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        planned bigint NOT NULL DEFAULT 0,
        added bigint NOT NULL DEFAULT 0,
        changed bigint NOT NULL DEFAULT 0,
        removed bigint NOT NULL DEFAULT 0,
        unchanged bigint NOT NULL DEFAULT 0,
        delivered bigint NOT NULL DEFAULT 0,
        failed bigint NOT NULL DEFAULT 0,
        error text
      );
      CREATE INDEX runs_by_name ON runs (name, started_at DESC, id DESC);

      CREATE TABLE ledger (
        sync text NOT NULL,
        key text COLLATE "C" NOT NULL,
        fingerprint text,
        remote_id text,
        status text NOT NULL CHECK (status IN ('delivered', 'failed')),
        last_error text,
        run_id text,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (sync, key)
      );

      CREATE TABLE rejected_rows (
        sync text NOT NULL,
        key text COLLATE "C" NOT NULL,
        run_id text NOT NULL,
        operation text NOT NULL,
        row_json json NOT NULL,
        error text NOT NULL,
        request text,
        rejected_at timestamptz NOT NULL,
        PRIMARY KEY (sync, key)
      );
      CREATE INDEX rejected_rows_by_time ON rejected_rows (sync, rejected_at, key);

      CREATE TABLE state_values (
        name text PRIMARY KEY,
        value text NOT NULL,
        updated_at timestamptz NOT NULL
      );

      CREATE TABLE secrets (
        name text PRIMARY KEY,
        nonce bytea NOT NULL,
        ciphertext bytea NOT NULL,
        tag bytea NOT NULL,
        key_id text NOT NULL,
        updated_at timestamptz NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'leases',
    sqlite: `
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        pid_scope TEXT,
        acquired_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      );
    `,
    postgres: `
      CREATE TABLE leases (
        name text PRIMARY KEY,
        owner text NOT NULL,
        host text NOT NULL,
        pid integer NOT NULL,
        pid_scope text,
        acquired_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'run attempts, schedule ticks',
    // A run queued for a worker is recorded before it runs (status queued, attempts 0); each worker that opens it
    // counts an attempt. One row per (schedule, tick) lets exactly one server of many run a scheduled tick.
    sqlite: `
      ALTER TABLE runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;
      CREATE TABLE schedule_ticks (
        schedule TEXT NOT NULL,
        tick_at TEXT NOT NULL,
        owner TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
        PRIMARY KEY (schedule, tick_at)
      ) WITHOUT ROWID;
    `,
    postgres: `
      ALTER TABLE runs ADD COLUMN attempts integer NOT NULL DEFAULT 1;
      CREATE TABLE schedule_ticks (
        schedule text NOT NULL,
        tick_at timestamptz NOT NULL,
        owner text NOT NULL,
        claimed_at timestamptz NOT NULL,
        PRIMARY KEY (schedule, tick_at)
      );
    `,
  },
  {
    version: 4,
    name: 'notifications',
    // One row per attempt at a `notify:` target, kept with its run (the target never holds a secret).
    sqlite: `
      CREATE TABLE notifications (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        target TEXT NOT NULL,
        conditions TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('delivered', 'retrying', 'failed')),
        http_status INTEGER,
        error TEXT,
        at TEXT NOT NULL
      );
      CREATE INDEX notifications_by_run ON notifications (run_id, id);
    `,
    postgres: `
      CREATE TABLE notifications (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id text NOT NULL,
        target text NOT NULL,
        conditions text NOT NULL,
        attempt integer NOT NULL,
        status text NOT NULL CHECK (status IN ('delivered', 'retrying', 'failed')),
        http_status integer,
        error text,
        at timestamptz NOT NULL
      );
      CREATE INDEX notifications_by_run ON notifications (run_id, id);
    `,
  },
  {
    version: 5,
    name: 'project revisions',
    // The files a queued run needs, by the sha256 of their bundle (never a secret: those stay references).
    sqlite: `
      CREATE TABLE project_revisions (
        id TEXT PRIMARY KEY,
        bundle TEXT NOT NULL,
        created_at TEXT NOT NULL,
        used_at TEXT NOT NULL
      );
      CREATE INDEX project_revisions_by_use ON project_revisions (used_at DESC, id);
    `,
    postgres: `
      CREATE TABLE project_revisions (
        id text PRIMARY KEY,
        bundle text NOT NULL,
        created_at timestamptz NOT NULL,
        used_at timestamptz NOT NULL
      );
      CREATE INDEX project_revisions_by_use ON project_revisions (used_at DESC, id);
    `,
  },
  {
    version: 6,
    name: 'invalid rows',
    // Rows caught before sending (no key, a request that cannot be rendered) are counted apart from refused ones; a
    // rejected row says which it was. Rows rejected at planning before this step were the invalid ones.
    sqlite: `
      ALTER TABLE runs ADD COLUMN invalid INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE rejected_rows ADD COLUMN kind TEXT NOT NULL DEFAULT 'rejected';
      UPDATE rejected_rows SET kind = 'invalid' WHERE operation = 'plan';
    `,
    postgres: `
      ALTER TABLE runs ADD COLUMN invalid bigint NOT NULL DEFAULT 0;
      ALTER TABLE rejected_rows ADD COLUMN kind text NOT NULL DEFAULT 'rejected';
      UPDATE rejected_rows SET kind = 'invalid' WHERE operation = 'plan';
    `,
  },
  {
    version: 7,
    name: 'debugger exchanges',
    // Every HTTP exchange of a run (masked, bodies cut), kept once and referenced by each record key it carried. Ids
    // sort by time (see exchange-id.ts): a sync's old exchanges are a range of the primary key, and their keys a range
    // of debug_keys_by_exchange. An exchange of one record (most requests) holds its key, outcome and error itself:
    // one row and two B-trees a request, not three.
    sqlite: `
      CREATE TABLE debug_exchanges (
        sync TEXT NOT NULL,
        id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        at TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        endpoint TEXT NOT NULL,
        operation TEXT NOT NULL,
        records INTEGER NOT NULL,
        method TEXT NOT NULL,
        url TEXT NOT NULL,
        request_headers TEXT NOT NULL,
        request_body TEXT,
        auth TEXT,
        status INTEGER,
        response_headers TEXT NOT NULL,
        response_body TEXT,
        duration_ms INTEGER,
        key TEXT,
        outcome TEXT,
        error TEXT,
        PRIMARY KEY (sync, id)
      ) WITHOUT ROWID;
      CREATE INDEX debug_exchanges_by_key ON debug_exchanges (sync, key, id) WHERE key IS NOT NULL;
      CREATE TABLE debug_keys (
        sync TEXT NOT NULL,
        key TEXT NOT NULL,
        exchange_id TEXT NOT NULL,
        outcome TEXT NOT NULL,
        error TEXT,
        PRIMARY KEY (sync, key, exchange_id)
      ) WITHOUT ROWID;
      CREATE INDEX debug_keys_by_exchange ON debug_keys (sync, exchange_id);
    `,
    postgres: `
      CREATE TABLE debug_exchanges (
        sync text NOT NULL,
        id text COLLATE "C" NOT NULL,
        run_id text NOT NULL,
        at timestamptz NOT NULL,
        attempt integer NOT NULL,
        endpoint text NOT NULL,
        operation text NOT NULL,
        records integer NOT NULL,
        method text NOT NULL,
        url text NOT NULL,
        request_headers text NOT NULL,
        request_body text,
        auth text,
        status integer,
        response_headers text NOT NULL,
        response_body text,
        duration_ms integer,
        key text COLLATE "C",
        outcome text,
        error text,
        PRIMARY KEY (sync, id)
      );
      CREATE INDEX debug_exchanges_by_key ON debug_exchanges (sync, key, id) WHERE key IS NOT NULL;
      CREATE TABLE debug_keys (
        sync text NOT NULL,
        key text COLLATE "C" NOT NULL,
        exchange_id text COLLATE "C" NOT NULL,
        outcome text NOT NULL,
        error text,
        PRIMARY KEY (sync, key, exchange_id)
      );
      CREATE INDEX debug_keys_by_exchange ON debug_keys (sync, exchange_id);
    `,
  },
  {
    version: 8,
    name: 'debugger pages',
    // The debugger's exchanges move from a row each, and their keys from a row per key (a B-tree insert at a random
    // place per record, costlier than the delivery it records), to a page per write of exchanges, appended in time
    // order (see debug-pages.ts). Kept exchanges stay findable: each becomes a page of its own.
    sqlite: `
      CREATE TABLE debug_pages (
        sync TEXT NOT NULL,
        id TEXT NOT NULL,
        last_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        keys TEXT NOT NULL,
        exchanges TEXT NOT NULL,
        PRIMARY KEY (sync, id)
      );
      CREATE INDEX debug_pages_by_run ON debug_pages (sync, run_id, id);
      INSERT INTO debug_pages (sync, id, last_id, run_id, keys, exchanges)
        SELECT e.sync, e.id, e.id, e.run_id,
          CASE WHEN e.key IS NOT NULL THEN json_array(json_array(e.id, e.outcome, e.error, json_array(e.key)))
          ELSE (
            SELECT json_group_array(json(g.grp)) FROM (
              SELECT json_array(k.exchange_id, k.outcome, k.error, json_group_array(k.key)) AS grp
              FROM debug_keys k WHERE k.sync = e.sync AND k.exchange_id = e.id GROUP BY k.outcome, k.error
            ) g
          ) END,
          json_array(json_array(
            e.id, e.at, e.attempt, e.endpoint, e.operation, e.records, e.method, e.url, json(e.request_headers), e.request_body,
            e.auth, e.status, json(e.response_headers), e.response_body, e.duration_ms
          ))
        FROM debug_exchanges e;
      DROP TABLE debug_keys;
      DROP TABLE debug_exchanges;
    `,
    postgres: `
      CREATE TABLE debug_pages (
        sync text NOT NULL,
        id text COLLATE "C" NOT NULL,
        last_id text COLLATE "C" NOT NULL,
        run_id text NOT NULL,
        keys text NOT NULL,
        exchanges text NOT NULL,
        PRIMARY KEY (sync, id)
      );
      CREATE INDEX debug_pages_by_run ON debug_pages (sync, run_id, id);
      INSERT INTO debug_pages (sync, id, last_id, run_id, keys, exchanges)
        SELECT e.sync, e.id, e.id, e.run_id,
          CASE WHEN e.key IS NOT NULL THEN json_build_array(json_build_array(e.id, e.outcome, e.error, json_build_array(e.key)))::text
          ELSE coalesce((
            SELECT json_agg(g.grp) FROM (
              SELECT json_build_array(k.exchange_id, k.outcome, k.error, json_agg(k.key)) AS grp
              FROM debug_keys k WHERE k.sync = e.sync AND k.exchange_id = e.id GROUP BY k.exchange_id, k.outcome, k.error
            ) g
          ), '[]'::json)::text END,
          json_build_array(json_build_array(
            e.id, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), e.attempt, e.endpoint, e.operation, e.records,
            e.method, e.url, e.request_headers::json, e.request_body, e.auth, e.status, e.response_headers::json, e.response_body,
            e.duration_ms
          ))::text
        FROM debug_exchanges e;
      DROP TABLE debug_keys;
      DROP TABLE debug_exchanges;
    `,
  },
];

/** Refuses a state written by a newer Sluice (its schema has steps this version does not know). */
export function assertKnownSchema(appliedVersions: number[]): void {
  const newest = Math.max(0, ...appliedVersions);
  const known = Math.max(0, ...migrations.map((m) => m.version));
  if (newest > known) {
    throw new Error(
      `the state schema is at version ${newest}, newer than this Sluice knows (${known}): upgrade Sluice, or point state: at another place`,
    );
  }
}
