// A YAML alias bomb ("billion laughs") is a configuration error: exit 2 naming the file and line, 422 from the server.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../examples/run-command.js';
import { startServerFixture, type ServerFixture } from '../server/server-project.js';
import { sluiceYaml } from '../support/sluice-yaml.js';

/** Nine levels of nine aliases each: 9^9 (387 million) strings once expanded. Its first alias is on line `first + 1`. */
const bomb = (key: string) => {
  const levels = 'abcdefghi'.split('');
  const lines = [`${key}:`, `  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  for (let i = 1; i < levels.length; i++) {
    const prev = levels[i - 1]!;
    lines.push(`  ${levels[i]}: &${levels[i]} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return lines.join('\n') + '\n';
};

const PROJECT = sluiceYaml({
  connections: { model: '{ type: sqlite, path: model.db }', crm: '{ type: http, connector: ./crm.yaml, base_url: "http://127.0.0.1:1" }' },
  syncs: { customers: { from: '{ connection: model, sql: "SELECT 1 AS id" }', to: '{ connection: crm, endpoint: create }', mode: 'insert', key: 'id' } },
});
// The bomb's first alias: line 3 of the bomb block (its key, the anchor line, then the first line of aliases).
const BOMB_LINE_IN_PROJECT = PROJECT.split('\n').length - 1 + 3;

const CONNECTOR = `name: crm
base_url: http://127.0.0.1:1
auth: [{ type: none }]
endpoints:
  create: { operation: create, method: POST, path: /customers, body: '{ "id": {{ row.id | json }} }' }
`;
const BOMB_LINE_IN_CONNECTOR = CONNECTOR.split('\n').length - 1 + 3;

const MESSAGE = 'yaml aliases expand to more than 1000 nodes (an alias bomb?)';

describe('a YAML alias bomb through the CLI', () => {
  let dir: string;
  const env = { ...process.env, SLUICE_SECRET_KEY: '' };
  const sluice = (line: string) => runCommand(`sluice ${line}`, { cwd: dir, env });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-bomb-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('in sluice.yaml: validate and sync run exit 2 naming sluice.yaml and the line, quickly', async () => {
    await writeFile(join(dir, 'crm.yaml'), CONNECTOR);
    await writeFile(join(dir, 'sluice.yaml'), PROJECT + bomb('x_defaults'));
    const started = Date.now();
    const validate = await sluice('validate');
    expect(validate.code).toBe(2);
    expect(validate.stdout).toContain(`sluice.yaml:${BOMB_LINE_IN_PROJECT}:`);
    expect(validate.stdout).toContain(MESSAGE);

    const run = await sluice('sync run customers');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: sluice.yaml:${BOMB_LINE_IN_PROJECT}:`);
    expect(run.stderr).toContain(MESSAGE);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('in a connector spec: validate and sync run exit 2 naming the spec file', async () => {
    await writeFile(join(dir, 'sluice.yaml'), PROJECT);
    await writeFile(join(dir, 'crm.yaml'), CONNECTOR + bomb('x_defaults'));
    const validate = await sluice('validate');
    expect(validate.code).toBe(2);
    expect(validate.stdout).toContain(`crm.yaml:${BOMB_LINE_IN_CONNECTOR}:`);
    expect(validate.stdout).toContain(MESSAGE);

    const run = await sluice('sync run customers');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`crm.yaml:${BOMB_LINE_IN_CONNECTOR}:`);
    expect(run.stderr).toContain(MESSAGE);
  });
});

describe('a YAML alias bomb sent to the server', () => {
  let f: ServerFixture;
  beforeAll(async () => {
    f = await startServerFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  const api = async (method: 'POST' | 'PUT', url: string, payload: object) => {
    const response = await f.server.app.inject({ method, url, headers: f.auth, payload });
    return { status: response.statusCode, json: response.json() as { error: string; issues: { file: string; line?: number; message: string }[] } };
  };

  it('answers /api/validate with 422 naming sluice.yaml and the line, at once', async () => {
    const text = await readFile(join(f.dir, 'sluice.yaml'), 'utf8');
    const started = Date.now();
    const { status, json } = await api('POST', '/api/validate', { yaml: text + bomb('x_defaults') });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(status).toBe(422);
    expect(json.issues).toEqual([
      expect.objectContaining({ file: 'sluice.yaml', line: text.split('\n').length - 1 + 3, message: expect.stringContaining(MESSAGE) }),
    ]);
  });

  it('refuses a connector spec with a bomb with 422 and writes nothing', async () => {
    const { status, json } = await api('PUT', '/api/connectors/crm', { yaml: CONNECTOR + bomb('x_defaults') });
    expect(status).toBe(422);
    expect(json.issues[0]).toMatchObject({ file: 'connectors/crm.yaml', line: BOMB_LINE_IN_CONNECTOR, message: expect.stringContaining(MESSAGE) });
    await expect(readFile(join(f.dir, 'connectors', 'crm.yaml'))).rejects.toThrow(/ENOENT/);
  });

  it('answers 422 to PUT of a sync or a connection while sluice.yaml on disk holds a bomb', async () => {
    const file = join(f.dir, 'sluice.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text + bomb('x_defaults'));
    try {
      const sync = await api('PUT', '/api/syncs/orders_to_sink', {
        from: { connection: 'shop', sql: 'SELECT id FROM orders' },
        to: { connection: 'sink', endpoint: 'post' },
        mode: 'insert',
        key: 'id',
      });
      expect(sync.status).toBe(422);
      expect(sync.json.error).toContain(MESSAGE);
      const connection = await api('PUT', '/api/connections/shop', { type: 'sqlite', path: 'shop2.db' });
      expect(connection.status).toBe(422);
      expect(connection.json.error).toContain(MESSAGE);
    } finally {
      await writeFile(file, text);
    }
  });

  it('refuses YAML text larger than 4 MB with 422 before parsing it', async () => {
    const text = `version: 1\n# ${'x'.repeat(5 * 1024 * 1024)}\n`;
    const { status, json } = await api('POST', '/api/validate', { yaml: text });
    expect(status).toBe(422);
    expect(json.issues[0]).toMatchObject({ file: 'sluice.yaml', message: 'the YAML text is 5 MB, more than the 4 MB a file may hold' });
  });
});
