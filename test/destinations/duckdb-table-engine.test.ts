import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, expect, it } from 'vitest';
import { openDuckdbTableEngine } from '../../src/databases/duckdb/duckdb-table-engine.js';
import type { TableEngine } from '../../src/databases/table-engine.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

let dir: string | undefined;
const engines: TableEngine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('opens a DuckDB file a second time while the first engine is open, whenever garbage is collected', async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-duckdb-engine-'));
  const path = join(dir, 'dest.duckdb');
  engines.push(await openDuckdbTableEngine(path));
  await engines[0]!.execute(['CREATE TABLE people (id BIGINT PRIMARY KEY)', 'INSERT INTO people VALUES (1)']);
  // Whatever the first engine does not hold may go now, as it does at any time in a long-running server.
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 20));
  collectGarbage();

  const second = await Promise.race([
    openDuckdbTableEngine(path),
    new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 5000).unref()),
  ]);
  expect(second, 'the second open waited for the first database to shut down').not.toBe('hung');
  engines.push(second as TableEngine);
  expect(await (second as TableEngine).describe({ schema: null, name: 'people' })).toMatchObject({ uniqueKeys: [['id']] });
});
