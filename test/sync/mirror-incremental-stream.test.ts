// End to end through the CLI: an incremental HTTP stream (a paging test API on loopback) mirrored into a SQLite table.
// Only a full read may delete: an incremental read returns what changed, not what exists.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fullReadDue } from '../../src/sources/full-read-due.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import { runCommand } from '../examples/run-command.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { querySqlite } from '../support/sqlite-file.js';
import { ITEMS_API_CONNECTION, ITEMS_CONNECTOR, makeItems, startItemsApi, type Item } from './start-items-api.js';

const project = (extra: string) =>
  sluiceYaml({
    connections: { api: ITEMS_API_CONNECTION, db: '{ type: sqlite, path: dest.db }' },
    syncs: { items_to_db: { from: '{ connection: api, stream: items }', to: '{ connection: db, table: items }', mode: 'mirror', key: 'id', more: extra ? [extra.trim()] : [] } },
  });

describe('mirror from an incremental stream', () => {
  let dir: string;
  let items: Item[];
  let api: Awaited<ReturnType<typeof startItemsApi>>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-mirror-inc-'));
    items = makeItems(25);
    api = await startItemsApi(() => items);
    await writeFile(join(dir, 'items-api.yaml'), ITEMS_CONNECTOR);
  });
  afterEach(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (line: string) => runCommand(`sluice --project ${dir} ${line}`, { cwd: dir, env: { ...process.env, API_URL: api.url, SLUICE_SECRET_KEY: '' } });
  const tableRows = () => querySqlite<{ id: number; name: string }>(join(dir, 'dest.db'), 'SELECT id, name FROM items ORDER BY id');
  const sinceOf = (i: number) => api.sinceOf(i);

  it('validate refuses mirror without full_refresh, naming sluice.yaml:line and the sync', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project(''));
    const out = await sluice('validate');
    expect(out.code, out.stdout + out.stderr).toBe(2);
    expect(out.stdout + out.stderr).toContain(
      'sluice.yaml:9:11: syncs.items_to_db.mode: sync items_to_db: mode mirror deletes what a read does not return, and stream items of ' +
        'connector items_api reads incrementally; add `full_refresh: "<cron>"` to the sync, or use upsert',
    );
    // The run is refused the same way, before anything is read.
    const run = await sluice('sync run items_to_db');
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(api.requests).toHaveLength(0);

    await writeFile(join(dir, 'sluice.yaml'), project('    full_refresh: "0 3 * * 0"\n'));
    expect(await sluice('validate')).toMatchObject({ code: 0, stdout: 'ok: 2 connections, 1 sync, 0 pipelines\n' });
  });

  it('an incremental run deletes nothing; --full reads everything and deletes only what is gone', async () => {
    // Yearly: its last tick is long before the first run, so only that first run (no cursor yet) reads in full.
    await writeFile(join(dir, 'sluice.yaml'), project('    full_refresh: "0 0 1 1 *"\n'));
    const first = await sluice('sync run items_to_db');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain('planned 25: 25 added, 0 changed, 0 removed, 0 unchanged');
    expect(tableRows()).toHaveLength(25);
    expect(sinceOf(0)).toBeNull();

    // One row changes and one is deleted at the API: the incremental read returns only the changed one.
    items[2] = { ...items[2]!, name: 'item 3, renamed', updated: '2026-01-02T00:00:00Z' };
    items.splice(6, 1);
    api.requests.length = 0;
    const incremental = await sluice('sync run items_to_db');
    expect(incremental.code, incremental.stdout + incremental.stderr).toBe(0);
    expect(sinceOf(0)).toBe('2026-01-01T00:00:24Z');
    expect(incremental.stdout).toContain('planned 1: 0 added, 1 changed, 0 removed, 0 unchanged');
    const afterIncremental = tableRows();
    expect(afterIncremental).toHaveLength(25);
    expect(afterIncremental.find((r) => r.id === 3)?.name).toBe('item 3, renamed');
    expect(afterIncremental.some((r) => r.id === 7)).toBe(true);

    // --full reads from the start (no since) and removes the one record that is gone, nothing else.
    api.requests.length = 0;
    const full = await sluice('sync run items_to_db --full');
    expect(full.code, full.stdout + full.stderr).toBe(0);
    expect(api.requests.map((_, i) => sinceOf(i))).toEqual([null, null, null]);
    expect(full.stdout).toContain('planned 25: 24 added, 0 changed, 1 removed, 0 unchanged');
    const afterFull = tableRows();
    expect(afterFull.map((r) => r.id)).toEqual(items.map((i) => i.id));
    expect(afterFull.find((r) => r.id === 3)?.name).toBe('item 3, renamed');

    // The next run is incremental again (the cursor was kept by the full read).
    items[0] = { ...items[0]!, name: 'item 1, renamed', updated: '2026-01-03T00:00:00Z' };
    api.requests.length = 0;
    const next = await sluice('sync run items_to_db');
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(sinceOf(0)).toBe('2026-01-02T00:00:00Z');
    expect(next.stdout).toContain('planned 1: 0 added, 1 changed, 0 removed, 0 unchanged');
    expect(tableRows()).toHaveLength(24);
  });

  it('reads in full once a full_refresh tick has passed since the last full read', async () => {
    await writeFile(join(dir, 'sluice.yaml'), project('    full_refresh: "0 0 1 1 *"\n'));
    expect((await sluice('sync run items_to_db')).code).toBe(0);
    items.splice(0, 1);
    // As if the last full read had started before this year's tick (January 1st).
    const store = await openStateStore({ state: '.sluice', projectDir: dir, env: { SLUICE_SECRET_KEY: '' } });
    try {
      expect(await store.getValue('full-read:sync:items_to_db:api.items')).not.toBeNull();
      await store.setValue('full-read:sync:items_to_db:api.items', '2020-06-01T00:00:00.000Z');
    } finally {
      await store.close();
    }
    api.requests.length = 0;
    const due = await sluice('sync run items_to_db');
    expect(due.code, due.stdout + due.stderr).toBe(0);
    expect(sinceOf(0)).toBeNull();
    expect(due.stdout).toContain('1 removed');
    expect(tableRows().map((r) => r.id)).toEqual(items.map((i) => i.id));
  });
});

describe('fullReadDue', () => {
  const at = new Date('2026-03-10T05:00:00Z');
  it.each([
    ['no full read recorded', '0 2 * * *', null, true],
    ['the last full read started before the latest tick', '0 2 * * *', '2026-03-09T02:00:00Z', true],
    ['the last full read started at the latest tick', '0 2 * * *', '2026-03-10T02:00:00Z', false],
    ['the last full read started after the latest tick', '0 2 * * *', '2026-03-10T04:00:00Z', false],
    ['a weekly tick (Sunday) not passed since', '0 3 * * 0', '2026-03-08T03:00:01Z', false],
  ])('%s', (_, schedule, lastFullRead, due) => {
    expect(fullReadDue({ schedule, lastFullRead, at, timezone: 'UTC' })).toBe(due);
  });

  it('counts a run started exactly at a tick as after it, in the given zone', () => {
    expect(fullReadDue({ schedule: '0 9 * * *', lastFullRead: '2026-03-09T00:00:00Z', at: new Date('2026-03-10T00:00:00Z'), timezone: 'Asia/Tokyo' })).toBe(true);
    expect(fullReadDue({ schedule: '0 9 * * *', lastFullRead: '2026-03-09T00:00:00Z', at: new Date('2026-03-09T23:59:59Z'), timezone: 'Asia/Tokyo' })).toBe(false);
  });
});
