// End to end through the CLI: an incremental stream whose API filters updated_since inclusively (>=), appended into a
// SQLite table. A record written in the checkpoint's second after a read must arrive once: not lost, not sent twice.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../examples/run-command.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { querySqlite } from '../support/sqlite-file.js';
import { ITEMS_API_CONNECTION, ITEMS_CONNECTOR, makeItems, startItemsApi, type Item } from './start-items-api.js';

const project = sluiceYaml({
  connections: { api: ITEMS_API_CONNECTION, db: '{ type: sqlite, path: dest.db }' },
  syncs: { items_log: { from: '{ connection: api, stream: items }', to: '{ connection: db, table: items_log }', mode: 'append' } },
});
const connector = (incremental: string) => ITEMS_CONNECTOR.replace('incremental: { cursor_field: updated, param: since }', `incremental: { cursor_field: updated, param: since${incremental} }`);

describe('an incremental stream read at its boundary second', () => {
  let dir: string;
  let items: Item[];
  let api: Awaited<ReturnType<typeof startItemsApi>>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-inc-boundary-'));
    items = makeItems(3);
    api = await startItemsApi(() => items, { inclusive: true });
    await writeFile(join(dir, 'sluice.yaml'), project);
  });
  afterEach(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (line: string) => runCommand(`sluice --project ${dir} ${line}`, { cwd: dir, env: { ...process.env, API_URL: api.url, SLUICE_SECRET_KEY: '' } });
  const arrived = () => querySqlite<{ id: number }>(join(dir, 'dest.db'), 'SELECT id FROM items_log ORDER BY rowid').map((r) => r.id);
  /** A second run after item 4 was written in the checkpoint's second (item 3's) and item 5 a second later. */
  const writeInCheckpointSecond = () => {
    items.push({ id: 4, name: 'item 4', updated: items[2]!.updated }, { id: 5, name: 'item 5', updated: '2026-01-01T00:00:03Z' });
  };

  it('inclusive: the boundary record written after the read arrives once, and the one read before is not sent again', async () => {
    await writeFile(join(dir, 'items-api.yaml'), connector(', inclusive: true'));
    expect((await sluice('sync run items_log')).code).toBe(0);
    expect(arrived()).toEqual([1, 2, 3]);

    writeInCheckpointSecond();
    const second = await sluice('sync run items_log');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(api.sinceOf(api.requests.length - 1)).toBe('2026-01-01T00:00:02Z');
    expect(arrived()).toEqual([1, 2, 3, 4, 5]);

    // Nothing new: item 5 comes back at the kept cursor and is left out.
    expect((await sluice('sync run items_log')).stdout).toContain('planned 0:');
    expect(arrived()).toEqual([1, 2, 3, 4, 5]);
  });

  it('without inclusive, the same API sends the checkpoint record again (what inclusive is for)', async () => {
    await writeFile(join(dir, 'items-api.yaml'), connector(''));
    expect((await sluice('sync run items_log')).code).toBe(0);
    writeInCheckpointSecond();
    expect((await sluice('sync run items_log')).code).toBe(0);
    expect(arrived()).toEqual([1, 2, 3, 3, 4, 5]);
  });

  it('start: the first read asks from it, in the cursor form', async () => {
    await writeFile(join(dir, 'items-api.yaml'), connector(', inclusive: true, start: "2026-01-01T00:00:01Z"'));
    expect((await sluice('sync run items_log')).code).toBe(0);
    expect(api.sinceOf(0)).toBe('2026-01-01T00:00:01Z');
    expect(arrived()).toEqual([2, 3]);
  });

  it('start: a value with query syntax stays one parameter, and one over 100 characters is refused', async () => {
    await writeFile(join(dir, 'items-api.yaml'), connector(', start: "2026-01-01T00:00:01Z&admin=1"'));
    expect((await sluice('sync run items_log')).code).toBe(0);
    const asked = new URL(api.requests[0]!.url, 'http://x').searchParams;
    expect(asked.get('since')).toBe('2026-01-01T00:00:01Z&admin=1');
    expect(asked.has('admin')).toBe(false);

    await writeFile(join(dir, 'items-api.yaml'), connector(`, start: "${'9'.repeat(101)}"`));
    const out = await sluice('validate');
    expect(out.code).toBe(2);
    expect(out.stdout + out.stderr).toMatch(/items-api\.yaml:\d+:\d+: streams\.items\.incremental\.start: /);
  });

  it('validate refuses inclusive on a stream without primary_key, naming the file, line and key', async () => {
    await writeFile(join(dir, 'items-api.yaml'), connector(', inclusive: true').replace('    primary_key: id\n', ''));
    const out = await sluice('validate');
    expect(out.code).toBe(2);
    expect(out.stdout + out.stderr).toMatch(/items-api\.yaml:\d+:\d+: streams\.items\.incremental\.inclusive: stream items: inclusive tells apart the records read again at the kept cursor by their primary_key; add primary_key to the stream/);
  });
});
