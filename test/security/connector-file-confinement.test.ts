// PUT /api/connectors/:name writes only inside the project folder, whatever the name, symlinks or sluice.yaml say.
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { projectYaml, startServerFixture, type ServerFixture } from '../server/server-project.js';

const SPEC = (name: string, path = '/orders') => `name: ${name}
base_url: http://127.0.0.1:1
auth: [{ type: none }]
endpoints:
  add: { operation: create, method: POST, path: ${path}, body: '{ "id": {{ row.id | json }} }' }
`;

let f: ServerFixture;
/** A folder outside the project: nothing may ever be written into it. */
let outside: string;

beforeAll(async () => {
  f = await startServerFixture();
});
afterAll(async () => {
  await f?.close();
});
beforeEach(async () => {
  outside = await mkdtemp(join(tmpdir(), 'sluice-outside-'));
});
afterEach(async () => {
  await rm(outside, { recursive: true, force: true });
  await rm(join(f.dir, 'connectors'), { recursive: true, force: true });
  await writeFile(join(f.dir, 'sluice.yaml'), projectYaml(f.sink.url));
});

async function put(url: string, yaml: string) {
  const response = await f.server.app.inject({ method: 'PUT', url, headers: f.auth, payload: { yaml } });
  return { status: response.statusCode, error: (response.json() as { error?: string }).error };
}

/** Every file under a folder with its content, to show nothing changed. */
async function contents(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files[join(entry.parentPath, entry.name)] = await readFile(join(entry.parentPath, entry.name), 'utf8');
  }
  return files;
}

describe('PUT /api/connectors/:name', () => {
  it.each([
    ['../evil', '..%2Fevil'],
    ['%2e%2e%2fevil', '%2e%2e%2fevil'],
    ['a/b', 'a%2Fb'],
    ['an absolute path', encodeURIComponent(join(tmpdir(), 'evil'))],
    ['a NUL byte', 'evil%00'],
    ['a backslash', '..%5Cevil'],
  ])('refuses the name %s with 400 and writes nothing', async (_label, encoded) => {
    const before = await contents(f.dir);
    const { status } = await put(`/api/connectors/${encoded}`, SPEC('evil'));
    expect(status).toBe(400);
    expect(await contents(f.dir)).toEqual(before);
    await expect(readFile(join(tmpdir(), 'evil.yaml'))).rejects.toThrow(/ENOENT/);
    await expect(readFile(join(f.dir, '..', 'evil.yaml'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses to write through a symlink in connectors/ that points outside the project', async () => {
    await writeFile(join(outside, 'linked.yaml'), SPEC('linked'));
    await mkdir(join(f.dir, 'connectors'));
    await symlink(join(outside, 'linked.yaml'), join(f.dir, 'connectors', 'linked.yaml'));
    const { status, error } = await put('/api/connectors/linked', SPEC('linked', '/hacked'));
    expect(status).toBe(400);
    expect(error).toBe(
      'connectors/linked.yaml is outside the project folder: the API writes only files inside it (edit that file where it lives, or save a copy under another name into connectors/)',
    );
    expect(await readFile(join(outside, 'linked.yaml'), 'utf8')).toBe(SPEC('linked'));
  });

  it('refuses to write into a connectors/ folder that is a symlink to outside the project', async () => {
    await symlink(outside, join(f.dir, 'connectors'));
    const { status, error } = await put('/api/connectors/fresh', SPEC('fresh'));
    expect(status).toBe(400);
    expect(error).toMatch(/^connectors\/fresh\.yaml is outside the project folder/);
    expect(await readdir(outside)).toEqual([]);
  });

  it('does not overwrite a spec that sluice.yaml references by a path outside the project', async () => {
    const shared = join(outside, 'shared_api.yaml');
    await writeFile(shared, SPEC('shared_api'));
    await writeFile(
      join(f.dir, 'sluice.yaml'),
      projectYaml(f.sink.url).replace('connections:\n', `connections:\n  shared: { type: http, connector: ${shared} }\n`),
    );
    const { status, error } = await put('/api/connectors/shared_api', SPEC('shared_api', '/hacked'));
    expect(status).toBe(400);
    expect(error).toMatch(/shared_api\.yaml is outside the project folder/);
    expect(await readFile(shared, 'utf8')).toBe(SPEC('shared_api'));
  });

  it('still saves a spec into the project, also through a symlink that stays inside it', async () => {
    expect((await put('/api/connectors/orders_api', SPEC('orders_api'))).status).toBe(200);
    expect(await readFile(join(f.dir, 'connectors', 'orders_api.yaml'), 'utf8')).toBe(SPEC('orders_api'));

    await mkdir(join(f.dir, 'specs'));
    await writeFile(join(f.dir, 'specs', 'inner.yaml'), SPEC('inner'));
    await symlink(join(f.dir, 'specs', 'inner.yaml'), join(f.dir, 'connectors', 'inner.yaml'));
    expect((await put('/api/connectors/inner', SPEC('inner', '/v2'))).status).toBe(200);
    expect(await readFile(join(f.dir, 'connectors', 'inner.yaml'), 'utf8')).toBe(SPEC('inner', '/v2'));
  });
});
