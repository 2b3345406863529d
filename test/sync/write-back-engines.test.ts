// The write_back table in every engine Sluice writes to: created with typed columns, upserted per batch, a removed
// key's row deleted, errors cut and masked. The sync's destination is a stand-in answering as an API would; the
// table is the real engine's, read back through its bare driver.
import { afterEach, describe, expect, it } from 'vitest';
import type { Destination } from '../../src/destinations/destination.js';
import { Redactor } from '../../src/log/redactor.js';
import type { DeliveryItem, DeliveryResult } from '../../src/rows/delivery-item.js';
import { withWriteBack, type WriteBack } from '../../src/sync/write-back-destination.js';
import { harnesses, type TableHarness } from '../destinations/table-harness.js';

const SECRET = 'api-Secret-4711';

/** The table each engine creates: key columns as the source types them, then the result's columns. */
const CREATED: Record<TableHarness['engine'], Record<string, string>> = {
  postgres: { region: 'text', id: 'bigint', remote_id: 'text', status: 'text', last_error: 'text', synced_at: 'timestamp with time zone', run_id: 'text' },
  mysql: { region: 'varchar(255)', id: 'bigint(20)', remote_id: 'longtext', status: 'longtext', last_error: 'longtext', synced_at: 'datetime(6)', run_id: 'longtext' },
  sqlite: { region: 'TEXT', id: 'INTEGER', remote_id: 'TEXT', status: 'TEXT', last_error: 'TEXT', synced_at: 'TIMESTAMP', run_id: 'TEXT' },
  duckdb: { region: 'VARCHAR', id: 'BIGINT', remote_id: 'VARCHAR', status: 'VARCHAR', last_error: 'VARCHAR', synced_at: 'TIMESTAMP WITH TIME ZONE', run_id: 'VARCHAR' },
};

/** A destination answering each key as `answers` says: a remote id (delivered), an error, or refused with its batch. */
function answering(answers: Record<string, { remoteId: string } | { error: string } | 'batch refused'>): Destination {
  return {
    supports: () => true,
    batchSize: () => 100,
    concurrency: 2,
    async write(items: DeliveryItem[]): Promise<DeliveryResult[]> {
      return items.map((i) => {
        const a = answers[i.key]!;
        if (a === 'batch refused') return { key: i.key, ok: false, error: 'the batch was refused', batchRefused: true };
        return 'remoteId' in a ? { key: i.key, ok: true, remoteId: a.remoteId } : { key: i.key, ok: false, error: a.error };
      });
    },
    preview: async () => [],
    close: async () => undefined,
  };
}

/** A record of the (region, id) key as the plan gives it: the key string and the mapped row (id is `customer_id`). */
const item = (operation: DeliveryItem['operation'], region: string, id: number, remoteId: string | null = null): DeliveryItem => {
  const key = JSON.stringify([region, String(id)]);
  return { key, operation, remoteId, row: operation === 'delete' ? { region, customer_id: String(id) } : { region, customer_id: id, name: `customer ${id}` } };
};

describe.each(Object.keys(harnesses) as TableHarness['engine'][])('write_back into %s', (engine) => {
  let harness: TableHarness | null = null;
  let writeBack: WriteBack | null = null;
  afterEach(async () => {
    await writeBack?.close();
    await harness?.close();
  });

  it('creates the table, upserts each answered batch, leaves a refused batch for its halves, removes a deleted key', async () => {
    harness = await harnesses[engine]();
    const redactor = new Redactor().add(SECRET);
    const table = harness.table('contact_results');
    const open = (runId: string, answers: Parameters<typeof answering>[0]) =>
      withWriteBack(answering(answers), {
        sync: 'contacts',
        target: { connection: 'warehouse', table },
        connection: harness!.connection,
        key: ['region', 'id'],
        keyInRow: ['region', 'customer_id'],
        keyTypes: ['string', 'integer'],
        runId,
        projectDir: process.cwd(),
        redactor,
      });
    const rows = async () =>
      (await harness!.query(`SELECT region, id, remote_id, status, last_error, synced_at, run_id FROM ${harness!.sql('contact_results')} ORDER BY id`)).map((r) => ({
        region: r.region,
        remote_id: r.remote_id,
        status: r.status,
        last_error: r.last_error,
        run_id: r.run_id,
        id: String(r.id),
        synced_at: new Date(String(r.synced_at instanceof Date ? r.synced_at.toISOString() : r.synced_at).replace(' ', 'T').replace(/(Z|\+00(:00)?)?$/, 'Z')).getTime(),
      }));

    const long = `Invalid value for ${SECRET}: ${'x'.repeat(3000)}`;
    writeBack = open('run_1', {
      [item('create', 'eu', 1).key]: { remoteId: '901' },
      [item('create', 'eu', 2).key]: { error: long },
      [item('create', 'us', 3).key]: 'batch refused',
    });
    const before = Date.now();
    const sent = [item('create', 'eu', 1), item('create', 'eu', 2), item('create', 'us', 3)];
    const answered = await writeBack.destination.write(sent);
    expect(answered.map((a) => a.ok)).toEqual([true, false, false]);
    expect(await harness.columnTypes('contact_results')).toEqual(CREATED[engine]);
    const first = await rows();
    expect(first.map(({ synced_at: _, last_error: e, ...r }) => ({ ...r, last_error: e === null ? null : String(e).slice(0, 40) }))).toEqual([
      { region: 'eu', id: '1', remote_id: '901', status: 'delivered', last_error: null, run_id: 'run_1' },
      { region: 'eu', id: '2', remote_id: null, status: 'failed', last_error: 'Invalid value for ****: xxxxxxxxxxxxxxxx', run_id: 'run_1' },
    ]);
    expect(String(first[1]!.last_error)).toHaveLength(2000);
    expect(first[0]!.synced_at).toBeGreaterThanOrEqual(before - 1000);
    expect(writeBack.failure()).toBeNull();
    await writeBack.close();

    // The next run: customer 2 is delivered now, customer 1 is removed by mirror, customer 3 arrives on its own.
    writeBack = open('run_2', {
      [item('update', 'eu', 2).key]: { remoteId: '902' },
      [item('delete', 'eu', 1).key]: { remoteId: '901' },
      [item('create', 'us', 3).key]: { remoteId: '903' },
    });
    await writeBack.destination.write([item('update', 'eu', 2)]);
    await writeBack.destination.write([item('delete', 'eu', 1, '901')]);
    await writeBack.destination.write([item('create', 'us', 3)]);
    expect((await rows()).map(({ synced_at: _, ...r }) => r)).toEqual([
      { region: 'eu', id: '2', remote_id: '902', status: 'delivered', last_error: null, run_id: 'run_2' },
      { region: 'us', id: '3', remote_id: '903', status: 'delivered', last_error: null, run_id: 'run_2' },
    ]);
    expect(writeBack.failure()).toBeNull();
  }, 30_000);

  it('writes back a batch larger than the engine takes at once (MariaDB: 1,000 rows) in pieces', async () => {
    harness = await harnesses[engine]();
    const sent = Array.from({ length: 2500 }, (_, i) => item('create', 'eu', i + 1));
    writeBack = withWriteBack(answering(Object.fromEntries(sent.map((s, i) => [s.key, { remoteId: `r${i + 1}` }]))), {
      sync: 'contacts',
      target: { connection: 'warehouse', table: harness.table('many_results') },
      connection: harness.connection,
      key: ['region', 'id'],
      keyInRow: ['region', 'customer_id'],
      keyTypes: ['string', 'integer'],
      runId: 'run_1',
      projectDir: process.cwd(),
      redactor: new Redactor(),
    });
    await writeBack.destination.write(sent);
    const [counted] = await harness.query(`SELECT COUNT(*) AS n, MAX(remote_id) AS top FROM ${harness.sql('many_results')} WHERE status = 'delivered'`);
    expect({ n: String(counted!.n), top: counted!.top }).toEqual({ n: '2500', top: 'r999' });
    expect(writeBack.failure()).toBeNull();
  }, 30_000);
});
