// paginate.restart_after against an API on loopback that refuses offsets past 1,000 (as many cap paging depth at
// 10,000): paging starts again from the last record's cursor value, and every record is read exactly once, ties at
// each restart's cursor value included.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectorSpecSchema } from '../../src/config/connector-schema.js';
import { openHttpConnection } from '../../src/connectors/open-http-connection.js';
import { Redactor } from '../../src/log/redactor.js';
import type { Row } from '../../src/rows/row.js';
import { createHttpStreamSource } from '../../src/sources/http-stream-source.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { startTestApi } from '../connectors/start-test-api.js';

interface Ticket { id: number; updated_at: string }

const DEPTH = 1000;

describe('paginate.restart_after', () => {
  let dir: string;
  let store: StateStore;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let tickets: Ticket[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-paging-restart-'));
    store = await openStateStore({ state: dir, projectDir: dir });
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    // 3,500 tickets, five to a second: every restart lands on a second that other tickets share.
    tickets = Array.from({ length: 3500 }, (_, i) => ({ id: i + 1, updated_at: new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 5) * 1000).toISOString() }));
    api = await startTestApi((request) => {
      const url = new URL(request.url, 'http://x');
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 100);
      if (offset + limit > DEPTH) return { status: 400, body: { message: `offset + limit must be at most ${DEPTH}` } };
      const since = url.searchParams.get('updated_since');
      const sorted = tickets.filter((t) => since === null || t.updated_at >= since).sort((a, b) => a.updated_at.localeCompare(b.updated_at) || a.id - b.id);
      return { body: { tickets: sorted.slice(offset, offset + limit) } };
    });
  });
  afterEach(async () => {
    await api.close();
  });

  const stream = (restartAfter: number | undefined) => ({
    path: '/tickets',
    records: '$.tickets',
    primary_key: 'id',
    incremental: { cursor_field: 'updated_at', param: 'updated_since', inclusive: true },
    paginate: { type: 'offset', limit: 100, ...(restartAfter === undefined ? {} : { restart_after: restartAfter }) },
  });

  async function read(restartAfter: number | undefined, cursorName: string): Promise<Row[]> {
    const spec = connectorSpecSchema.parse({ name: 'desk', base_url: api.url, streams: { tickets: stream(restartAfter) } });
    const http = await openHttpConnection({ name: 'desk', connection: { type: 'http', connector: 'x', config: {}, auth: { type: 'none' } }, spec, redactor: new Redactor() });
    const source = createHttpStreamSource({ http, stream: spec.streams.tickets!, streamName: 'tickets', store, cursorName });
    const rows: Row[] = [];
    try {
      for await (const batch of source.read()) rows.push(...batch);
      await source.commit();
    } finally {
      await source.close();
    }
    return rows;
  }

  it('without it, the read fails at the depth the API allows', async () => {
    await expect(read(undefined, 'cursor:capped')).rejects.toThrow('400 Bad Request: offset + limit must be at most 1000');
  });

  it('restarts from the last cursor value every 1,000 records and reads each of 3,500 tickets exactly once', async () => {
    const rows = await read(DEPTH, 'cursor:restart');
    const ids = rows.map((r) => r.id as number);
    expect(ids.length).toBe(3500);
    expect(new Set(ids).size).toBe(3500);
    expect(ids).toEqual(tickets.map((t) => t.id));
    const asked = api.requests.map((r) => decodeURIComponent(r.url));
    // The first restart asks from the 1,000th ticket's second (tickets 996-1000 share it; 1001 is new).
    expect(asked[10]).toBe(`/tickets?updated_since=${tickets[999]!.updated_at}&offset=0&limit=100`);
    expect(asked.every((u) => Number(new URL(u, 'http://x').searchParams.get('offset')) + 100 <= DEPTH)).toBe(true);
    expect(await store.getValue('cursor:restart')).toBe(tickets[3499]!.updated_at);
  });

  it('stops with a clear error when more records than restart_after share one cursor value', async () => {
    tickets = Array.from({ length: 300 }, (_, i) => ({ id: i + 1, updated_at: '2026-01-01T00:00:00.000Z' }));
    await expect(read(200, 'cursor:stuck')).rejects.toThrow(
      'stream tickets: more than 200 records share updated_at 2026-01-01T00:00:00.000Z, so restarting paging from it (paginate.restart_after) would not get past them; raise restart_after, or ask the API for a finer cursor',
    );
  });
});
