// The Google Sheets built-in, as shipped, through the CLI against the Sheets simulator, authenticated as a service
// account (an RS256 JWT the simulator verifies with the account's public key, exchanged for a token): 1,000 rows
// appended 500 a request; a scoreboard whose rows are appended one by one, keeping each row's range, then rewritten in
// place when their values change.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGoogleSheetsSandbox, type GoogleSheetsSandbox } from '../../sandbox/google-sheets/google-sheets-sandbox.js';
import { runSluiceInProcess } from '../support/capture.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { writeSqlite } from '../support/sqlite-file.js';

describe('sluice sync run to Google Sheets', () => {
  let dir: string;
  let sheets: GoogleSheetsSandbox;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-sheets-'));
    sheets = await startGoogleSheetsSandbox({ sheets: { Events: [['id', 'kind', 'amount']], Scores: [['team', 'points']] } });
    const key = sheets.serviceAccountKey!;
    process.env.SHEETS_CLI_KEY = key.private_key;
    process.env.SHEETS_CLI_TOKEN_URI = key.token_uri;
    process.env.SHEETS_CLI_URL = sheets.url;
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, amount REAL); CREATE TABLE scores (team TEXT PRIMARY KEY, points INTEGER)', {
      insert: 'INSERT INTO events VALUES (?, ?, ?)',
      values: Array.from({ length: 1000 }, (_, i) => [i + 1, i % 2 ? 'refund' : 'sale', (i * 7) % 100]),
    });
    writeSqlite(join(dir, 'model.db'), '', { insert: 'INSERT INTO scores VALUES (?, ?)', values: [['red', 3], ['blue', 5], ['green', 1]] });
    const connection = (sheet: string) => [
      'type: http',
      'connector: google-sheets',
      'base_url: "${env:SHEETS_CLI_URL}"',
      `config: { spreadsheet_id: sandbox-spreadsheet, sheet: ${sheet}, client_email: "${key.client_email}", private_key_id: "${key.private_key_id}", token_uri: "\${env:SHEETS_CLI_TOKEN_URI}" }`,
      'auth: { type: jwt, private_key: "${env:SHEETS_CLI_KEY}" }',
    ];
    await writeFile(
      join(dir, 'sluice.yaml'),
      sluiceYaml({
        connections: { model: '{ type: sqlite, path: model.db }', events_sheet: connection('Events'), scores_sheet: connection('Scores') },
        syncs: {
          events: { from: '{ connection: model, sql: "SELECT id, kind, amount FROM events ORDER BY id" }', to: '{ connection: events_sheet, endpoint: append_rows }', mode: 'insert', key: 'id' },
          scores: { from: '{ connection: model, table: scores }', to: '{ connection: scores_sheet, endpoints: { create: append_row, update: update_rows } }', mode: 'upsert', key: 'team' },
        },
      }),
    );
  });
  afterEach(async () => {
    for (const v of ['SHEETS_CLI_KEY', 'SHEETS_CLI_TOKEN_URI', 'SHEETS_CLI_URL']) delete process.env[v];
    await sheets.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (...args: string[]) => runSluiceInProcess(['--project', dir, ...args]);

  it('appends 1,000 rows in two requests after a token exchange, and nothing again on the next run', async () => {
    const run = await sluice('sync', 'run', 'events');
    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out + run.err).toContain('delivered 1000');
    expect(run.out + run.err).not.toContain('PRIVATE KEY');
    const grid = sheets.state.sheets.get('Events')!;
    expect(grid).toHaveLength(1001);
    expect(grid[1]).toEqual([1, 'sale', 0]);
    expect(grid[1000]).toEqual([1000, 'refund', (999 * 7) % 100]);
    expect(sheets.requests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /token',
      'POST /v4/spreadsheets/sandbox-spreadsheet/values/Events:append',
      'POST /v4/spreadsheets/sandbox-spreadsheet/values/Events:append',
    ]);
    const again = await sluice('sync', 'run', 'events');
    expect(again.code, again.out + again.err).toBe(0);
    expect(sheets.state.sheets.get('Events')).toHaveLength(1001);
  });

  it('appends new teams one row each, keeping their ranges, and rewrites a changed team in place', async () => {
    const first = await sluice('sync', 'run', 'scores');
    expect(first.code, first.out + first.err).toBe(0);
    expect(sheets.state.sheets.get('Scores')).toEqual([['team', 'points'], ['red', 3], ['blue', 5], ['green', 1]]);
    const records = JSON.parse((await sluice('--json', 'sync', 'records', 'scores')).out) as { key: string; remoteId: string }[];
    expect(Object.fromEntries(records.map((r) => [r.key, r.remoteId]))).toEqual({ red: 'Scores!A2:B2', blue: 'Scores!A3:B3', green: 'Scores!A4:B4' });

    writeSqlite(join(dir, 'model.db'), "UPDATE scores SET points = 8 WHERE team = 'blue'; INSERT INTO scores VALUES ('gold', 2)");
    const second = await sluice('sync', 'run', 'scores');
    expect(second.code, second.out + second.err).toBe(0);
    expect(sheets.state.sheets.get('Scores')).toEqual([['team', 'points'], ['red', 3], ['blue', 8], ['green', 1], ['gold', 2]]);
    expect(sheets.requests().filter((r) => r.path.endsWith('values:batchUpdate'))).toHaveLength(1);
  });
});
