// End to end through the CLI: an API that caps the fields one request may ask for (HubSpot's properties) read with
// chunk_fields, each chunk's pages merged by primary key into one row per contact in a SQLite table.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi } from '../connectors/start-test-api.js';
import { runCommand } from '../examples/run-command.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { querySqlite } from '../support/sqlite-file.js';

const FIELDS = ['email', 'first_name', 'last_name', 'phone', 'company', 'city', 'country'];
/** The most fields the API answers for in one request, as HubSpot caps its properties. */
const CAP = 3;

const contact = (id: number) => Object.fromEntries([['id', id], ...FIELDS.map((f) => [f, `${f} ${id}`])]) as Record<string, string | number>;

const connector = (chunkFields = `chunk_fields: { param: properties, size: ${CAP}, fields: [${FIELDS.join(', ')}] }`, primaryKey = 'primary_key: id') => `name: crm
base_url: http://127.0.0.1:1
streams:
  contacts:
    path: /contacts
    records: "$.results"
    paginate: { type: cursor, cursor: "$.paging.next.after", cursor_param: after }
    ${primaryKey}
    ${chunkFields}
`;

describe('a stream whose fields are read in chunks', () => {
  let dir: string;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  const contacts = [1, 2, 3, 4].map(contact);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-chunk-fields-'));
    // Two contacts a page; each record carries its id and only the properties asked for (at most CAP of them).
    api = await startTestApi((request) => {
      const url = new URL(request.url, 'http://x');
      if (url.pathname !== '/contacts') return { status: 404, body: { message: 'not found' } };
      const asked = (url.searchParams.get('properties') ?? '').split(',').filter(Boolean);
      if (asked.length > CAP) return { status: 400, body: { message: `at most ${CAP} properties` } };
      const at = Number(url.searchParams.get('after') ?? 0);
      const page = contacts.slice(at, at + 2).map((c) => Object.fromEntries([['id', c.id], ...asked.map((f) => [f, c[f]])]));
      return { body: { results: page, paging: { next: { after: at + 2 < contacts.length ? String(at + 2) : null } } } };
    });
    await writeFile(join(dir, 'crm.yaml'), connector());
    await writeFile(join(dir, 'sluice.yaml'), sluiceYaml({
      connections: { api: '{ type: http, connector: ./crm.yaml, base_url: "${env:API_URL}" }', db: '{ type: sqlite, path: dest.db }' },
      syncs: { contacts: { from: '{ connection: api, stream: contacts }', to: '{ connection: db, table: contacts }', mode: 'upsert', key: 'id' } },
    }));
  });
  afterEach(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sluice = (line: string) => runCommand(`sluice --project ${dir} ${line}`, { cwd: dir, env: { ...process.env, API_URL: api.url, SLUICE_SECRET_KEY: '' } });
  const asked = () => api.requests.map((r) => {
    const u = new URL(r.url, 'http://x');
    return `${u.searchParams.get('properties')}${u.searchParams.has('after') ? ` after ${u.searchParams.get('after')}` : ''}`;
  });

  it('fields chunked into three requests merged into one record: 7 fields by 3, every page of each chunk, one row per contact', async () => {
    const out = await sluice('sync run contacts');
    expect(out.code, out.stdout + out.stderr).toBe(0);
    expect(asked()).toEqual([
      'email,first_name,last_name', 'email,first_name,last_name after 2',
      'phone,company,city', 'phone,company,city after 2',
      'country', 'country after 2',
    ]);
    const rows = querySqlite<Record<string, unknown>>(join(dir, 'dest.db'), `SELECT id, ${FIELDS.join(', ')} FROM contacts ORDER BY id`);
    expect(rows).toEqual(contacts);
    expect(out.stdout).toContain('planned 4: 4 added, 0 changed, 0 removed, 0 unchanged');
  });

  it('validate refuses a size of 0 or 10000, a field with a comma, a field listed twice, and chunks without primary_key', async () => {
    const refused = async (yaml: string, message: string | RegExp) => {
      await writeFile(join(dir, 'crm.yaml'), yaml);
      const out = await sluice('validate');
      expect(out.code, out.stdout + out.stderr).toBe(2);
      if (typeof message === 'string') expect(out.stdout + out.stderr).toContain(message);
      else expect(out.stdout + out.stderr).toMatch(message);
    };
    await refused(connector('chunk_fields: { param: properties, size: 0, fields: [email] }'), /crm\.yaml:\d+:\d+: streams\.contacts\.chunk_fields\.size: .*>=\s*1/);
    await refused(connector('chunk_fields: { param: properties, size: 10000, fields: [email] }'), /streams\.contacts\.chunk_fields\.size: .*<=\s*1000/);
    await refused(connector('chunk_fields: { param: properties, size: 3, fields: [email, "city,country"] }'),
      'streams.contacts.chunk_fields.fields.1: invalid fields "city,country": a field name without a comma (the chunk is joined by commas)');
    await refused(connector('chunk_fields: { param: properties, size: 3, fields: [email, city, email] }'), 'stream contacts: chunk_fields.fields lists "email" twice');
    await refused(connector('chunk_fields: { param: "", size: 3, fields: [email] }'), 'streams.contacts.chunk_fields.param');
    await refused(connector('chunk_fields: { param: after, size: 3, fields: [email] }\n    query: { after: 0 }'),
      'stream contacts: chunk_fields.param "after" is already sent by the stream (query); the chunk would replace it');
    await refused(connector(undefined, ''), 'stream contacts: chunk_fields merges the records of each chunk by their primary_key; add primary_key to the stream');
    await refused(connector('chunk_fields: { param: properties, size: 1, fields: [id, email] }'),
      'stream contacts: chunk_fields.size 1 leaves no room beside the 1 primary_key field(s) sent with every chunk');
    expect(api.requests).toEqual([]);
  });
});
