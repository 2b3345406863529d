// chunk_fields against a HubSpot-like API on loopback that answers only the properties asked for (at most 2 a request):
// the chunks' records merged by key, with partitions, incremental cursors (inclusive too) and records changing mid-read.
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

interface Contact { id: string; project: number; updatedAt: string; properties: Record<string, string> }

const PROPS = ['email', 'firstname', 'lastname', 'phone', 'city'];
const contact = (id: string, updatedAt: string, project = 1): Contact =>
  ({ id, project, updatedAt, properties: Object.fromEntries(PROPS.map((p) => [p, `${p} ${id}`])) });

describe('chunk_fields', () => {
  let dir: string;
  let store: StateStore;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let contacts: Contact[];
  /** Runs after the API answered each request (n from 1): a record created or changed during the read. */
  let afterRequest: (n: number) => void;
  let flat: boolean;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-chunk-fields-'));
    store = await openStateStore({ state: dir, projectDir: dir });
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    contacts = [contact('1', '2026-01-01T00:00:01Z'), contact('2', '2026-01-01T00:00:02Z'), contact('3', '2026-01-01T00:00:03Z', 2)];
    afterRequest = () => {};
    flat = false;
    api = await startTestApi((request) => {
      const url = new URL(request.url, 'http://x');
      if (url.pathname === '/projects') return { body: { results: [{ id: 1 }, { id: 2 }] } };
      const m = /^(?:\/projects\/(\d+))?\/contacts$/.exec(url.pathname);
      if (!m) return { status: 404, body: { message: 'not found' } };
      const asked = (url.searchParams.get('properties') ?? '').split(',').filter(Boolean);
      if (asked.length > 2) return { status: 400, body: { message: 'at most 2 properties' } };
      const since = url.searchParams.get('since');
      const inclusive = url.searchParams.get('inclusive') === '1';
      const results = contacts
        .filter((c) => m[1] === undefined || c.project === Number(m[1]))
        .filter((c) => since === null || (inclusive ? c.updatedAt >= since : c.updatedAt > since))
        // Flat: only the fields asked for, the id among them (SOQL-like); else HubSpot's id, updatedAt and properties.
        .map((c) => flat
          ? Object.fromEntries(asked.map((p) => [p, p === 'id' ? c.id : c.properties[p]]))
          : { id: c.id, updatedAt: c.updatedAt, properties: Object.fromEntries(asked.map((p) => [p, c.properties[p]])) });
      const reply = { body: { results: structuredClone(results) } };
      afterRequest(api.requests.length);
      return reply;
    });
  });
  afterEach(async () => {
    await api.close();
  });

  async function read(streams: Record<string, unknown>, name: string, options: { cursorName?: string; mergeLimit?: number } = {}) {
    const spec = connectorSpecSchema.parse({ name: 'crm', base_url: api.url, streams });
    const http = await openHttpConnection({ name: 'crm', connection: { type: 'http', connector: 'x', config: {}, auth: { type: 'none' } }, spec, redactor: new Redactor() });
    const source = createHttpStreamSource({
      http, stream: spec.streams[name]!, streamName: name, store, cursorName: options.cursorName ?? `cursor:${name}`, mergeLimit: options.mergeLimit,
    });
    const rows: Row[] = [];
    try {
      for await (const batch of source.read()) rows.push(...batch);
      await source.commit();
    } finally {
      await source.close();
    }
    return rows;
  }
  const asked = () => api.requests.map((r) => decodeURIComponent(r.url));
  const contacts5 = { path: '/contacts', records: '$.results', primary_key: 'id', chunk_fields: { param: 'properties', size: 2, fields: PROPS } };

  it('asks for 5 properties 2 at a time and merges each contact\'s properties objects into one record', async () => {
    const rows = await read({ contacts: contacts5 }, 'contacts');
    expect(asked()).toEqual(['/contacts?properties=email,firstname', '/contacts?properties=lastname,phone', '/contacts?properties=city']);
    expect(rows).toEqual(contacts.map(({ id, updatedAt, properties }) => ({ id, updatedAt, properties })));
  });

  it('sends a listed primary_key field with every chunk, for APIs that return only the fields asked for', async () => {
    flat = true;
    const rows = await read({ contacts: { ...contacts5, chunk_fields: { param: 'properties', size: 2, fields: ['id', 'email', 'phone', 'city'] } } }, 'contacts');
    expect(asked()).toEqual(['/contacts?properties=id,email', '/contacts?properties=id,phone', '/contacts?properties=id,city']);
    expect(rows).toEqual(contacts.map((c) => ({ id: c.id, email: c.properties.email, phone: c.properties.phone, city: c.properties.city })));
  });

  it('leaves out a contact created during the read and keeps the cursor below one changed during it, so the next read has both whole', async () => {
    const stream = { ...contacts5, incremental: { cursor_field: 'updatedAt', param: 'since' } };
    // After the first chunk: contact 4 is created, contact 2 is changed (its email chunk is then stale).
    afterRequest = (n) => {
      if (n !== 1) return;
      contacts.push(contact('4', '2026-01-01T00:00:09Z'));
      contacts[1] = { ...contact('2', '2026-01-01T00:00:08Z'), properties: { ...contacts[1]!.properties, email: 'new 2', city: 'new city 2' } };
    };
    const first = await read({ contacts: stream }, 'contacts', { cursorName: 'cursor:changed' });
    expect(first.map((r) => r.id)).toEqual(['1', '2', '3']);
    expect((first[1]!.properties as Record<string, string>).city).toBe('new city 2');
    // Contact 2's earliest cursor (:02) holds the cursor below it: only contact 1's (:01) is kept, not contact 3's (:03).
    expect(await store.getValue('cursor:changed')).toBe('2026-01-01T00:00:01Z');

    afterRequest = () => {};
    api.requests.length = 0;
    const second = await read({ contacts: stream }, 'contacts', { cursorName: 'cursor:changed' });
    expect(asked()[0]).toBe('/contacts?since=2026-01-01T00:00:01Z&properties=email,firstname');
    expect(second.map((r) => [r.id, (r.properties as Record<string, string>).email])).toEqual([['2', 'new 2'], ['3', 'email 3'], ['4', 'email 4']]);
    expect(await store.getValue('cursor:changed')).toBe('2026-01-01T00:00:09Z');
  });

  it('with inclusive, leaves out in every chunk the records read at the kept cursor, and reads a new one there whole', async () => {
    const stream = { ...contacts5, query: { inclusive: 1 }, incremental: { cursor_field: 'updatedAt', param: 'since', inclusive: true } };
    expect((await read({ contacts: stream }, 'contacts', { cursorName: 'cursor:inclusive' })).map((r) => r.id)).toEqual(['1', '2', '3']);
    expect(await read({ contacts: stream }, 'contacts', { cursorName: 'cursor:inclusive' })).toEqual([]);
    contacts.push(contact('5', '2026-01-01T00:00:03Z'));
    const third = await read({ contacts: stream }, 'contacts', { cursorName: 'cursor:inclusive' });
    expect(third).toEqual([{ id: '5', updatedAt: '2026-01-01T00:00:03Z', properties: contact('5', '').properties }]);
  });

  it('reads each partition once per chunk, keeping a cursor per partition', async () => {
    const streams = {
      projects: { path: '/projects', records: '$.results', primary_key: 'id' },
      contacts: {
        ...contacts5, path: '/projects/{{ partition.project.id }}/contacts', partition: { stream: 'projects', field: 'id', as: 'project' },
        incremental: { cursor_field: 'updatedAt', param: 'since' },
      },
    };
    const rows = await read(streams, 'contacts', { cursorName: 'cursor:partitioned' });
    expect(rows.map((r) => [r.id, Object.keys(r.properties as object).length])).toEqual([['1', 5], ['2', 5], ['3', 5]]);
    expect(asked()).toEqual([
      '/projects',
      '/projects/1/contacts?properties=email,firstname', '/projects/1/contacts?properties=lastname,phone', '/projects/1/contacts?properties=city',
      '/projects/2/contacts?properties=email,firstname', '/projects/2/contacts?properties=lastname,phone', '/projects/2/contacts?properties=city',
    ]);
    expect(await store.getValue('cursor:partitioned|project=1')).toBe('2026-01-01T00:00:02Z');
    expect(await store.getValue('cursor:partitioned|project=2')).toBe('2026-01-01T00:00:03Z');
  });

  it('fails a read holding more records than its limit, and a chunk\'s record without its key, naming them', async () => {
    await expect(read({ contacts: contacts5 }, 'contacts', { mergeLimit: 2 }))
      .rejects.toThrow('stream contacts: one read of chunk_fields holds its records until the last chunk, and this one passed 2; narrow the read (a query, or partition)');
    flat = true;
    await expect(read({ contacts: { ...contacts5, chunk_fields: { param: 'properties', size: 2, fields: ['email', 'city'] } } }, 'contacts'))
      .rejects.toThrow('stream contacts: a record read for the chunk email,city has no id (primary_key), so it cannot be merged with the other chunks: {"email":"email 1","city":"city 1"}');
  });
});
