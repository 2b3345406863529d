import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, readFile, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { resolveSqlVariables } from '../../src/config/resolve-sql-variables.js';

/** Runs the real command line in-process and captures what a user would see. */
async function sluice(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'sluice', ...args], {
    stdout: { write: (s: string) => ((stdout += s), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => ((stderr += s), true) } as unknown as NodeJS.WritableStream,
  });
  return { code, stdout, stderr };
}

describe('sluice init, validate and schema', () => {
  let dir: string;
  const savedWebhookUrl = process.env.WEBHOOK_URL;
  beforeEach(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'sluice-cli-')));
    delete process.env.WEBHOOK_URL;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    if (savedWebhookUrl !== undefined) process.env.WEBHOOK_URL = savedWebhookUrl;
  });

  it('init writes an example project that passes validate', async () => {
    const project = join(dir, 'demo');
    const init = await sluice('init', project);
    expect(init.code).toBe(0);
    expect((await readdir(project, { recursive: true })).sort()).toEqual([
      '.gitignore',
      'README.md',
      'connectors',
      'connectors/webhook-example.yaml',
      'data',
      'data/customers.csv',
      'models',
      'models/customers.sql',
      'schemas',
      'schemas/connector-tests.schema.json',
      'schemas/connector.schema.json',
      'schemas/sluice.schema.json',
      'sluice.yaml',
    ]);
    expect(await readFile(join(project, '.gitignore'), 'utf8')).toBe('.sluice/\n');
    const yaml = await readFile(join(project, 'sluice.yaml'), 'utf8');
    expect(yaml.split('\n')[0]).toBe('# yaml-language-server: $schema=./schemas/sluice.schema.json');
    expect(yaml).toContain('customers_to_webhook:');

    const validate = await sluice('--project', project, 'validate');
    expect(validate).toEqual({ code: 0, stdout: 'ok: 2 connections, 1 sync, 0 pipelines\n', stderr: '' });
    const json = await sluice('--project', project, '--json', 'validate');
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, issues: [], connections: 2, syncs: 1, pipelines: 0 });
  });

  it("init's query reads the example CSV in DuckDB: 12 rows, Unicode, quotes and a multi-line note intact", async () => {
    const project = join(dir, 'demo');
    expect((await sluice('init', project)).code).toBe(0);
    const sql = resolveSqlVariables(await readFile(join(project, 'models/customers.sql'), 'utf8'), {}, { runId: 'r1' });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      // Relative paths in the query are relative to the project directory.
      await connection.run(`SET file_search_path = '${project.replace(/'/g, "''")}'`);
      const rows = (await connection.runAndReadAll(sql)).getRowObjectsJS();
      expect(rows).toHaveLength(12);
      expect(rows.map((r) => r.id)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n, 11n, 12n]);
      expect(rows[1]).toMatchObject({ name: '山田 太郎', country: 'JP' });
      expect(rows[3]).toMatchObject({ name: "O'Brien, Siobhán", note: 'Said "call me Shiv" on the phone' });
      expect(rows[4]!.note).toBe('Two things:\n- renew in May\n- asked about the API');
      expect(rows[2]!.note).toBeNull();
      expect(rows[5]!.note).toBe('VIP 🎉');
      expect(rows[8]!.note).toBe('Backslash \\ kept as is');
      expect(rows[11]).toMatchObject({ lifetime_value: 5000, note: 'Emoji 🚀 and "quotes"' });
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('init refuses a non-empty directory unless --force', async () => {
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const refused = await sluice('init', dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(`error: ${dir} is not empty (choose an empty directory, or add --force to write the example files into it)\n`);
    expect(await readdir(dir)).toEqual(['notes.txt']);
    const forced = await sluice('init', dir, '--force');
    expect(forced.code).toBe(0);
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    expect((await sluice('--project', dir, 'validate')).code).toBe(0);
  });

  it('validate prints every issue as file:line:col: path: message and exits 2', async () => {
    const project = join(dir, 'demo');
    await sluice('init', project);
    const yaml = await readFile(join(project, 'sluice.yaml'), 'utf8');
    await writeFile(
      join(project, 'sluice.yaml'),
      yaml.replace('endpoint: upsert_customer', 'endpoint: upsert_custmer').replace('key: id ', 'key: id\n    shedule: "0 9 * * *"'),
    );
    const bad = await sluice('--project', project, 'validate');
    expect(bad.code).toBe(2);
    // Schema issues come first; cross-checks (the endpoint) follow once the file is well-formed.
    expect(bad.stdout).toBe('demo/sluice.yaml:25:5: syncs.customers_to_webhook.shedule: unknown key "shedule" (did you mean "schedule"?)\n'.replace('demo/', `${displayed(project)}/`));
    expect(bad.stderr).toBe('1 issue found\n');

    await writeFile(join(project, 'sluice.yaml'), yaml.replace('endpoint: upsert_customer', 'endpoint: upsert_custmer').replace('"0 * * * *"', '"0 * * *"'));
    const json = await sluice('--project', project, '--json', 'validate');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      issues: [
        {
          file: `${displayed(project)}/sluice.yaml`,
          line: 22,
          column: 42,
          path: 'syncs.customers_to_webhook.to.endpoint',
          message: 'unknown endpoint "upsert_custmer" in connector webhook-example (did you mean "upsert_customer"?)',
        },
        {
          file: `${displayed(project)}/sluice.yaml`,
          line: 25,
          column: 15,
          path: 'syncs.customers_to_webhook.schedule',
          message: `invalid cron expression "0 * * *": invalid configuration format ('0 * * *'), exactly five, six, or seven space separated parts are required. (five fields: minute hour day month weekday, e.g. "0 9 * * *")`,
        },
      ],
    });
  });

  it('schema writes JSON Schemas for sluice.yaml and connector specs', async () => {
    const out = join(dir, 'schemas');
    const result = await sluice('schema', out);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `wrote ${displayed(out)}/sluice.schema.json\nwrote ${displayed(out)}/connector.schema.json\nwrote ${displayed(out)}/connector-tests.schema.json\nadd to a YAML file: # yaml-language-server: $schema=<path to the schema>\n`,
    );
    const project = JSON.parse(await readFile(join(out, 'sluice.schema.json'), 'utf8'));
    expect(project.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(project.additionalProperties).toBe(false);
    expect(project.required).toEqual(['version']);
    expect(Object.keys(project.properties)).toEqual(['$schema', 'version', 'state', 'connections', 'syncs', 'pipelines']);
    const sync = project.properties.syncs.additionalProperties;
    expect(sync.properties.mode.enum).toEqual(['insert', 'update', 'upsert', 'mirror', 'append']);
    // The input side: keys with defaults are optional.
    expect(sync.required).toEqual(['from', 'to', 'mode']);
    const connector = JSON.parse(await readFile(join(out, 'connector.schema.json'), 'utf8'));
    expect(connector.required).toEqual(['name', 'base_url']);
    expect(connector.properties.endpoints.additionalProperties.properties.operation.enum).toEqual(['create', 'update', 'upsert', 'delete', 'lookup']);
  });
});

/** How messages show a path: relative to the cwd when inside it. */
function displayed(path: string): string {
  const cwd = process.cwd();
  return path.startsWith(cwd + '/') ? path.slice(cwd.length + 1) : path;
}
