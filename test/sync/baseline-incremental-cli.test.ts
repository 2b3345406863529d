// A baseline whose source is an incremental HTTP stream, through the CLI: it reads the stream in full; its cursor moves
// only when every row was adopted, because a row the lookup did not find must be read again by the next run, which
// creates it. The destination is a small people API on loopback with a lookup by name (404: none).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi } from '../connectors/start-test-api.js';
import { runSluiceInProcess } from '../support/capture.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { ITEMS_CONNECTOR, makeItems, startItemsApi, type Item } from './start-items-api.js';

const PEOPLE_CONNECTOR = `name: people_api
base_url: http://127.0.0.1:1
endpoints:
  find_person:
    operation: lookup
    default: true
    method: GET
    path: "/people/{{ row.name }}"
    response:
      record_id: "{{ response.body.id }}"
  add_person:
    operation: create
    method: POST
    path: /people
    headers: { Content-Type: application/json }
    body: '{ "name": {{ row.name | json }} }'
    response:
      record_id: "{{ response.body.id }}"
  update_person:
    operation: update
    method: PATCH
    path: "/people/{{ record.id }}"
    headers: { Content-Type: application/json }
    body: '{ "name": {{ row.name | json }} }'
`;

describe('a baseline of an incremental stream', () => {
  let dir: string;
  let items: Item[];
  let stream: Awaited<ReturnType<typeof startItemsApi>>;
  let people: Awaited<ReturnType<typeof startTestApi>>;
  /** The people the API holds, by name: their ids. */
  let held: Map<string, string>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-baseline-inc-'));
    items = makeItems(3);
    held = new Map([['item 1', 'p-1'], ['item 2', 'p-2']]);
    stream = await startItemsApi(() => items);
    people = await startTestApi((request) => {
      const name = decodeURIComponent(request.url.split('?')[0]!.slice('/people/'.length));
      if (request.method === 'GET') return held.has(name) ? { body: { id: held.get(name) } } : { status: 404, body: { error: 'no such person' } };
      if (request.method === 'POST') {
        const id = `p-${held.size + 1}`;
        held.set((request.json as { name: string }).name, id);
        return { status: 201, body: { id } };
      }
      return { body: { ok: true } };
    });
    process.env.BASELINE_ITEMS_URL = stream.url;
    process.env.BASELINE_PEOPLE_URL = people.url;
    await writeFile(join(dir, 'items-api.yaml'), ITEMS_CONNECTOR);
    await writeFile(join(dir, 'people-api.yaml'), PEOPLE_CONNECTOR);
    await writeFile(
      join(dir, 'sluice.yaml'),
      sluiceYaml({
        connections: {
          api: '{ type: http, connector: ./items-api.yaml, base_url: "${env:BASELINE_ITEMS_URL}" }',
          people: '{ type: http, connector: ./people-api.yaml, base_url: "${env:BASELINE_PEOPLE_URL}" }',
        },
        syncs: {
          items_to_people: { from: '{ connection: api, stream: items }', to: '{ connection: people, endpoints: { create: add_person, update: update_person } }', mode: 'upsert', key: 'id' },
        },
      }),
    );
  });
  afterEach(async () => {
    delete process.env.BASELINE_ITEMS_URL;
    delete process.env.BASELINE_PEOPLE_URL;
    await stream.close();
    await people.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (...args: string[]) => runSluiceInProcess(['--project', dir, ...args]);
  const writes = () => people.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.url}`);

  it('keeps the cursor while a row is left for the next run, which reads in full and creates it; then moves it', async () => {
    const baseline = await sluice('sync', 'run', 'items_to_people', '--baseline');
    expect(baseline.code, baseline.out + baseline.err).toBe(0);
    expect(baseline.out).toContain('adopted 2 as delivered, 2 remote ids found by find_person');
    expect(baseline.out).toContain('not found 1, left for the next run to create: 3');
    expect(writes()).toEqual([]);

    // The next run reads everything again (no cursor was kept), finds item 3 missing still, and creates it.
    const afterBaseline = stream.requests.length;
    const next = await sluice('sync', 'run', 'items_to_people');
    expect(next.code, next.out + next.err).toBe(0);
    expect(stream.sinceOf(afterBaseline)).toBeNull();
    expect(next.out).toContain('planned 1: 1 added, 0 changed, 0 removed, 2 unchanged');
    expect(writes()).toEqual(['POST /people']);
    expect(held.get('item 3')).toBe('p-3');

    // A baseline adopting everything moves the cursor: the run after it reads only what changed since.
    items.push({ id: 4, name: 'item 1', updated: '2026-01-01T00:00:09Z' });
    const beforeAgain = stream.requests.length;
    const again = await sluice('sync', 'run', 'items_to_people', '--baseline');
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out).toContain('adopted 1 as delivered, 1 remote ids found by find_person');
    // (A baseline reads in full, whatever cursor is kept.)
    expect(stream.sinceOf(beforeAgain)).toBeNull();
    expect(again.out).toContain('read 4: 1 to adopt, 3 already delivered');
    const afterAgain = stream.requests.length;
    expect((await sluice('sync', 'run', 'items_to_people')).out).toContain('planned 0');
    expect(stream.sinceOf(afterAgain)).toBe('2026-01-01T00:00:09Z');
    expect(writes()).toEqual(['POST /people']);
  }, 60_000);
});
